import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@chatfleet/store';
import { type Fleet, JsonClient, startFleet, runAdmin } from '@chatfleet/testing';

interface Listed {
  id: string;
  nick: string;
  reason: string;
  takenBy?: string;
  conversation: string;
  messages: { text: string }[];
}

describe('chatfleet-admin: the reports queue', () => {
  let fleet: Fleet;
  let redis: Redis;
  let keys: Keys;
  const filed: string[] = [];
  before(async () => {
    fleet = await startFleet({ gateways: 1, matchmaker: false });
    redis = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
    const port = fleet.gateways[0]!.tcpPort;
    const { c: target } = await JsonClient.hello(port, 'troll');
    for (let i = 0; i < 12; i++) {
      const { c } = await JsonClient.hello(port, `victim${i}`);
      await c.request({ type: 'dm', to: 'troll', text: `why ${i}` });
      assert.equal(
        (await c.request({ type: 'report', nick: 'troll', reason: `r${i}` }))['type'],
        'reported',
      );
      c.close();
    }
    target.close();
    filed.push(...(await redis.xrange(keys.reports(), '-', '+')).map(([id]) => id));
  });
  after(() => fleet.stop());

  it('lists open reports oldest first, with who, whom, where, why and the last messages', async () => {
    const r = await runAdmin(fleet, ['reports', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = r.json<Listed[]>();
    assert.deepEqual(
      list.map((x) => x.id),
      filed,
    );
    assert.equal(list[0]!.nick, 'troll');
    assert.equal(list[0]!.reason, 'r0');
    assert.match(list[0]!.conversation, /^dm:[a-z0-9_-]+:[a-z0-9_-]+$/);
    assert.deepEqual(
      list[0]!.messages.map((m) => m.text),
      ['why 0'],
    );
    const text = await runAdmin(fleet, ['reports', '--limit', '1']);
    assert.match(text.stdout, /victim0 \(identity \S+\) reported troll \(identity \S+\) in dm:/);
    assert.match(text.stdout, /reason: r0/);
  });

  it('never hands one report to two moderators taking at once', async () => {
    const takes = await Promise.all(
      ['ana', 'ben', 'cat'].flatMap((m) =>
        [0, 1].map(() => runAdmin(fleet, ['reports', 'take', '--count', '2', '--json'], m)),
      ),
    );
    const taken = takes.flatMap((t) => {
      assert.equal(t.code, 0, t.stderr);
      return t.json<Listed[]>().map((x) => x.id);
    });
    assert.equal(taken.length, 12);
    assert.equal(new Set(taken).size, 12, 'no report taken twice');
    const listed = (await runAdmin(fleet, ['reports', '--json'])).json<Listed[]>();
    assert.ok(listed.every((x) => x.takenBy !== undefined));
    assert.equal(
      (await runAdmin(fleet, ['reports', 'take', '--json'], 'dan')).json<Listed[]>().length,
      0,
    );
  });

  it('closes a report with a note, once, and refuses ids that are not open reports', async () => {
    const id = filed[0]!;
    const done = await runAdmin(fleet, ['reports', 'done', id, '--note', 'banned the troll']);
    assert.equal(done.code, 0, done.stderr);
    const open = (await runAdmin(fleet, ['reports', '--json'])).json<Listed[]>().map((x) => x.id);
    assert.ok(!open.includes(id));
    const auditBefore = await redis.xlen(keys.audit());
    for (const [args, re] of [
      [['reports', 'done', id], /is done already/],
      [['reports', 'done', '1-0'], /no report 1-0/],
      [['reports', 'done', 'abc'], /not a report id/],
    ] as const) {
      const r = await runAdmin(fleet, [...args]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.equal(await redis.xlen(keys.audit()), auditBefore);
    const audit = (await runAdmin(fleet, ['audit', '--json', '--limit', '1000'])).json<
      { action: string; target: string; reason: string }[]
    >();
    assert.ok(
      audit.some(
        (e) => e.action === 'report-done' && e.target === id && e.reason === 'banned the troll',
      ),
    );
  });

  it('says that a report not taken yet must be taken first', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const { c } = await JsonClient.hello(port, 'latecomer');
    const { c: t } = await JsonClient.hello(port, 'troll2');
    await c.request({ type: 'report', nick: 'troll2', reason: 'late' });
    const [newest] = await redis.xrevrange(keys.reports(), '+', '-', 'COUNT', 1);
    const id = newest?.[0] ?? '';
    const r = await runAdmin(fleet, ['reports', 'done', id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not taken yet: take it first/);
    for (const x of [c, t]) x.close();
  });
});
