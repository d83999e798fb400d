import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceProcess } from './service-process.js';
import { logTimeline } from './log-timeline.js';

function service(name: ServiceProcess['name'], lines: object[]): ServiceProcess {
  const out = lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n';
  return { name, logs: () => out } as unknown as ServiceProcess;
}

describe('logTimeline', () => {
  it('merges the services’ lines since a moment in time order, fields after the message', () => {
    const a = service('tcp-gateway', [
      { level: 30, time: 900, pid: 1, msg: 'before' },
      { level: 40, time: 1300, pid: 1, msg: 'redis error', role: 'subscriber' },
    ]);
    const b = service('ws-gateway', [{ level: 30, time: 1100, pid: 2, msg: 'moved', convs: 1 }]);
    assert.equal(
      logTimeline([a, b], 1000),
      [
        '+100 ws-gateway#1 moved {"convs":1}',
        '+300 tcp-gateway#0 redis error {"role":"subscriber"}',
      ].join('\n'),
    );
  });

  it('keeps the last lines and says how many there were', () => {
    const lines = Array.from({ length: 5 }, (_, i) => ({ time: 10 + i, msg: `m${i}` }));
    const text = logTimeline([service('matchmaker', lines)], 0, 2);
    assert.equal(text, '(last 2 of 5)\n+13 matchmaker#0 m3 {}\n+14 matchmaker#0 m4 {}');
  });
});
