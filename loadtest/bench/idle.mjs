// Memory per idle connection: resident memory of the server processes before and after `n`
// connections have each said hello and joined one room, divided by `n`.
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOLS } from './clients.mjs';
import { addr, inBatches } from './fanout.mjs';
import { rssBytes } from './procstat.mjs';

const IGNORE = { onDelivery: () => {}, onNotice: () => {} };
const total = (pids) => pids.reduce((n, p) => n + rssBytes(p), 0);

export async function idleMemory(c, n, rooms, settleMs = 3000) {
  await sleep(settleMs / 3);
  const before = total(c.servers);
  const connect = PROTOCOLS[c.protocol];
  const conns = await inBatches(n, 250, (i) =>
    connect(c.urls[i % c.urls.length], `idle${i}`, addr(i), IGNORE),
  );
  await inBatches(n, 250, (i) => conns[i].join(`idle-r${i % rooms}`));
  // Let allocations settle (and a collection or two happen) before reading.
  await sleep(settleMs);
  const after = total(c.servers);
  for (const x of conns) x.close();
  return {
    connections: n,
    rssBeforeMiB: +(before / 2 ** 20).toFixed(1),
    rssAfterMiB: +(after / 2 ** 20).toFixed(1),
    bytesPerConnection: Math.round((after - before) / n),
  };
}
