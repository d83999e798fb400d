import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { type Fleet, JsonClient, readMetric, startFleet, WsClient } from '@chatfleet/testing';

const CAP = 256 * 1024;

describe('a reader that takes a little now and then, in a flooded room', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      wsGateways: 1,
      matchmaker: false,
      // The timer alone never fires here: only the cap in bytes can end it.
      env: {
        MAX_BACKLOG_BYTES: String(CAP),
        SLOW_READER_MS: '120000',
        RATE_PER_SEC: '2000',
        RATE_BURST: '2000',
      },
    });
  });
  after(() => fleet.stop());

  it('is disconnected as slow once what it left unread passes MAX_BACKLOG_BYTES', async () => {
    const ws = fleet.wsGateways[0]!;
    const { c: reader } = await WsClient.hello(ws.wsPort, 'trickle');
    await reader.request({ type: 'join', room: 'flooded' });
    const { c: flooder } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'flooder');
    await flooder.request({ type: 'join', room: 'flooded' });
    const { c: bystander } = await WsClient.hello(ws.wsPort, 'bystander');
    await bystander.request({ type: 'join', room: 'flooded' });
    // The reader takes 4 KiB a second off its socket: drain events keep coming, at a fraction
    // of what the room says.
    const raw = (reader.ws as unknown as { _socket: Socket })._socket;
    raw.pause();
    let stop = false;
    const trickle = (async () => {
      while (!stop && !reader.isClosed) {
        await sleep(1000);
        raw.read(4096);
      }
    })();
    const text = 'x'.repeat(1900);
    const started = Date.now();
    const slow = () => readMetric(ws.metricsPort, 'chat_disconnects_total', { reason: 'slow' });
    let sent = 0;
    // 300 messages a second, at most 60 s: well past what the cap holds (the gateway's
    // heap grew by 100 MB in such a run before the cap).
    while ((await slow()) === 0 && Date.now() - started < 60_000) {
      for (let k = 0; k < 10; k++) {
        for (let i = 0; i < 30; i++) flooder.send({ type: 'say', room: 'flooded', text });
        sent += 30;
        await sleep(100);
      }
    }
    stop = true;
    await trickle;
    assert.equal(await slow(), 1, `still connected after ${sent} messages`);
    // What it had unread is read now; then the connection is over.
    raw.resume();
    await reader.closed;
    // Everyone else was unaffected: the bystander still gets what is said.
    flooder.send({ type: 'say', room: 'flooded', text: 'after the cut', ref: 'last' });
    await bystander.next('message', (f) => f['text'] === 'after the cut', 20_000);
    flooder.close();
    bystander.close();
  });
});
