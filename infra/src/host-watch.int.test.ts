import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Fleet, JsonClient, startFleet, waitUntil } from '@chatfleet/testing';

const WATCH = fileURLToPath(new URL('../host/chatfleet-watch.sh', import.meta.url));

/** Instance metadata as a host sees it (IMDSv2), with a lifecycle state the test sets. */
function fakeImds(): Promise<{ url: string; state: { value: string }; server: Server }> {
  const state = { value: 'InService' };
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('tok');
    if (req.headers['x-aws-ec2-metadata-token'] !== 'tok') return res.writeHead(401).end();
    if (req.url === '/latest/meta-data/instance-id') return res.end('i-0test');
    if (req.url === '/latest/meta-data/autoscaling/target-lifecycle-state')
      return res.end(state.value);
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, state, server });
    }),
  );
}

/** An aws CLI that logs each call (and whether the service still runs) and fails some first. */
function fakeAws(pid: number, failFirst: number): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chatfleet-aws-'));
  const log = join(dir, 'calls.log');
  const bin = join(dir, 'aws');
  writeFileSync(
    bin,
    `#!/bin/bash
n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/n
alive=gone; kill -0 ${pid} 2>/dev/null && alive=alive
echo "$alive $*" >> ${log}
[ "$n" -ge ${failFirst} ]
`,
  );
  chmodSync(bin, 0o755);
  return { bin, log };
}

function runWatch(env: Record<string, string>) {
  const proc = spawn('bash', [WATCH], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SERVICE: 'tcp-gateway',
      REGION: 'eu-west-1',
      ASG_NAME: 'dev-tcp-gateway',
      HOOK_NAME: 'dev-tcp-gateway-drain',
      POLL_S: '0.2',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, stderr: () => stderr };
}

describe('the host watcher (infra/host/chatfleet-watch.sh), against a real tcp-gateway', () => {
  let fleet: Fleet;
  let imds: Awaited<ReturnType<typeof fakeImds>>;
  before(async () => {
    fleet = await startFleet({ gateways: 0, matchmaker: false, historyWriter: false });
    imds = await fakeImds();
  });
  after(async () => {
    imds.server.close();
    await fleet.stop();
  });

  it('drains the service on terminate, then completes the lifecycle action, retrying', async () => {
    const gw = await fleet.add('tcp-gateway');
    const pid = gw.proc.pid!;
    const { c } = await JsonClient.hello(gw.tcpPort, 'drained');
    await c.request({ type: 'join', room: 'leaving' });
    const aws = fakeAws(pid, 2);
    const w = runWatch({
      IMDS: imds.url,
      AWS: aws.bin,
      STOP_CMD: `kill -TERM ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`,
      RUNNING_CMD: `kill -0 ${pid}`,
    });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(existsSync(aws.log), false, 'no AWS call while the instance is in service');
    imds.state.value = 'Terminated';
    assert.deepEqual(await c.next('bye', () => true, 20_000), { type: 'bye', reason: 'shutdown' });
    assert.equal(await w.exited, 0, w.stderr());
    const calls = readFileSync(aws.log, 'utf8').trim().split('\n');
    // Twice refused, then accepted; never before the service had exited.
    assert.equal(calls.length, 3, calls.join('\n'));
    for (const call of calls)
      assert.equal(
        call,
        'gone autoscaling complete-lifecycle-action --region eu-west-1 --auto-scaling-group-name dev-tcp-gateway --lifecycle-hook-name dev-tcp-gateway-drain --lifecycle-action-result CONTINUE --instance-id i-0test',
      );
    imds.state.value = 'InService';
  });

  it('marks the instance unhealthy when the service stays down', async () => {
    const aws = fakeAws(process.pid, 0);
    const w = runWatch({
      IMDS: imds.url,
      AWS: aws.bin,
      RUNNING_CMD: 'false',
      UNHEALTHY_AFTER_S: '1',
    });
    try {
      await waitUntil(() => existsSync(aws.log), 10_000, 'a set-instance-health call');
      assert.match(
        readFileSync(aws.log, 'utf8'),
        /autoscaling set-instance-health --region eu-west-1 --instance-id i-0test --health-status Unhealthy/,
      );
    } finally {
      w.proc.kill('SIGKILL');
    }
  });
});
