// Memory per idle connection: the servers' resident memory before and after `n` connections
// have each said hello and joined one room, divided by `n`. Right after the burst, RSS holds
// the garbage of n hellos and joins too: chatfleet measured 14.5 KB a connection there and
// 5.5 KB a minute later, once V8 had collected and, some tens of seconds after that, given the
// pages back. So each reading comes after three full collections of the Node.js servers
// (SIGUSR2, see gc-on-signal.cjs) spread over half a minute; Centrifugo's Go runtime is left to
// collect on its own in the same time. The burst figure is reported too.
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOLS } from './clients.mjs';
import { addr, inBatches } from './fanout.mjs';
import { rssBytes } from './procstat.mjs';

const IGNORE = { onDelivery: () => {}, onNotice: () => {} };
const total = (pids) => pids.reduce((n, p) => n + rssBytes(p), 0);

/** The median of RSS samples (at most a second apart) over `ms`: it wobbles as the collector works. */
async function rssOver(pids, ms) {
  const samples = [];
  const end = Date.now() + ms;
  do {
    samples.push(total(pids));
    await sleep(Math.min(1000, ms / 5));
  } while (Date.now() < end);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** `settleMs` spaces the collections and readings (the bench uses 12 s; the smoke far less). */
export async function idleMemory(c, n, rooms, settleMs = 10_000) {
  const collect = () => {
    if (c.collectsOnSignal) for (const p of c.servers) process.kill(p, 'SIGUSR2');
  };
  // Both readings the same way: start-up garbage, too, is given back only a while after.
  const settled = async () => {
    for (let i = 0; i < 3; i++) {
      collect();
      await sleep(i < 2 ? settleMs : settleMs / 2);
    }
    return rssOver(c.servers, settleMs);
  };
  const before = await settled();
  const connect = PROTOCOLS[c.protocol];
  const conns = [];
  try {
    const opened = await inBatches(n, 250, (i) =>
      connect(c.urls[i % c.urls.length], `idle${i}`, addr(i), IGNORE),
    );
    conns.push(...opened);
    await inBatches(n, 250, (i) => conns[i].join(`idle-r${i % rooms}`));
    // What a burst of connections costs before the collector has caught up with it.
    await sleep(Math.min(3000, settleMs / 3));
    const burst = total(c.servers);
    // V8 gives the pages a collection freed back to the system some time after it.
    const after = await settled();
    return {
      connections: conns.length,
      rssBeforeMiB: +(before / 2 ** 20).toFixed(1),
      rssAfterMiB: +(after / 2 ** 20).toFixed(1),
      bytesPerConnection: Math.round((after - before) / n),
      burstBytesPerConnection: Math.round((burst - before) / n),
    };
  } finally {
    for (const x of conns) x.close();
  }
}
