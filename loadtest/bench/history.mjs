// The history-writer's drain rate: a backlog of `n` messages already in the partition streams
// (as gateways would have appended them, over `convs` conversations), then one history-writer
// started on it; measured until its consumer group has nothing left behind or pending.
import { Redis } from 'ioredis';
import { conv as convId, createKeys, fieldsOf } from '../../services/store/dist/index.js';
import { startFleet, waitUntil } from '../../services/testing/dist/index.js';
import { cpuSeconds, watchRss } from './procstat.mjs';

async function fill(redis, keys, n, convs) {
  const now = Date.now();
  for (let base = 0; base < n; base += 10_000) {
    const pipe = redis.pipeline();
    for (let i = base; i < Math.min(n, base + 10_000); i++) {
      const room = `hist-${i % convs}`;
      const c = convId.room(room);
      const m = {
        conv: c,
        from: `user${i % 997}`,
        text: `message ${i} with about as many characters as a chat line has`,
        room,
        id: (now - n + i) * 1000,
        ts: now - n + i,
        seq: Math.floor(i / convs) + 1,
      };
      pipe.xadd(keys.events(keys.partitionOf(c)), '*', 'c', c, 'm', JSON.stringify(m));
    }
    await pipe.exec();
  }
}

async function behind(redis, keys) {
  let left = 0;
  for (const stream of keys.allEvents()) {
    const groups = await redis.xinfo('GROUPS', stream).catch(() => []);
    if (groups.length === 0) return Infinity; // the writer has not made its group yet
    for (const g of groups) {
      const info = fieldsOf(g);
      left += Number(info['lag'] ?? 0) + Number(info['pending'] ?? 0);
    }
  }
  return left;
}

export async function historyDrain(n, convs, writerEnv = {}) {
  const fleet = await startFleet({
    gateways: 0,
    wsGateways: 0,
    matchmaker: false,
    historyWriter: false,
    env: { LOG_LEVEL: 'warn', EVENTS_MAXLEN: String(Math.max(100_000, n)) },
  });
  const redis = new Redis(fleet.redis.url, { protocol: 2 });
  try {
    const keys = createKeys(fleet.prefix, 16);
    await fill(redis, keys, n, convs);
    const began = Date.now();
    const writer = await fleet.add('history-writer', writerEnv);
    const pid = writer.proc.pid;
    const cpu0 = cpuSeconds(pid);
    const rss = watchRss([pid]);
    await waitUntil(async () => (await behind(redis, keys)) === 0, 30 * 60_000, 'the drain');
    const seconds = (Date.now() - began) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const peak = rss.stop().get(pid) ?? 0;
    const written = await redis.zcard(keys.history(convId.room('hist-0')));
    if (written !== Math.ceil(n / convs)) throw new Error(`hist-0 holds ${written} messages`);
    return {
      messages: n,
      conversations: convs,
      seconds: +seconds.toFixed(2),
      messagesPerSecond: Math.round(n / seconds),
      cpuSeconds: +cpu.toFixed(2),
      cpuMicrosPerMessage: +((cpu * 1e6) / n).toFixed(1),
      peakRssMiB: +(peak / 2 ** 20).toFixed(1),
    };
  } finally {
    await redis.quit();
    await fleet.stop();
  }
}
