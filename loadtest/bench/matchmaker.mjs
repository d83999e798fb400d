// Time to match, from outside: `clients` NDJSON connections to one tcp-gateway, each asking for
// a stranger at an even `perSecond` pace; measured from the client's `match` to its `matched`.
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet } from '../../services/testing/dist/index.js';
import { onLines } from './clients.mjs';
import { addr, inBatches } from './fanout.mjs';

function client(port, i) {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1', localAddress: addr(i) });
    const c = { s, askedAt: 0, matchedAt: 0, welcomed: false };
    onLines(s, (line) => {
      if (!c.welcomed && line.includes('"welcome"')) {
        c.welcomed = true;
        resolve(c);
      } else if (line.startsWith('{"type":"matched"') && !c.matchedAt) c.matchedAt = Date.now();
    });
    s.on('error', reject);
    s.on('connect', () => s.write(`${JSON.stringify({ type: 'hello', nick: `mm${i}` })}\n`));
  });
}

export async function timeToMatch(perSecond, seconds) {
  const env = {
    LOG_LEVEL: 'warn',
    MAX_CONNECTIONS_PER_IP: '100000',
    MAX_CONNECTS_PER_SEC: '1000000',
    RATE_PER_SEC: '1000',
    RATE_BURST: '1000',
    IDLE_TIMEOUT_MS: '0',
  };
  const fleet = await startFleet({ gateways: 1, historyWriter: false, env });
  try {
    const n = perSecond * seconds;
    const port = fleet.gateways[0].tcpPort;
    const clients = await inBatches(n, 200, (i) => client(port, i));
    const begin = Date.now();
    for (let asked = 0; asked < n;) {
      const due = Math.min(n, Math.floor(((Date.now() - begin) / 1000) * perSecond));
      for (; asked < due; asked++) {
        clients[asked].askedAt = Date.now();
        clients[asked].s.write('{"type":"match"}\n');
      }
      await sleep(5);
    }
    // Everyone is paired with the next to ask; the last may wait for nobody (an odd count).
    const deadline = Date.now() + 30_000;
    while (clients.filter((c) => !c.matchedAt).length > n % 2 && Date.now() < deadline)
      await sleep(100);
    const waits = clients
      .filter((c) => c.matchedAt)
      .map((c) => c.matchedAt - c.askedAt)
      .sort((a, b) => a - b);
    for (const c of clients) c.s.destroy();
    const q = (p) => waits[Math.min(waits.length - 1, Math.floor(p * waits.length))] ?? null;
    return {
      requestsPerSecond: perSecond,
      seconds,
      matched: waits.length,
      of: n,
      timeToMatchMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: waits.at(-1) ?? null },
    };
  } finally {
    await fleet.stop();
  }
}
