import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisClient } from '@chatfleet/runtime';
import { slotOf } from './slots.js';

export type Reply = [Error | null, unknown];

/**
 * Commands sent in one round trip, each queued with the key it touches: one pipeline on a
 * single Redis; on Redis Cluster, one pipeline per node (a pipeline across nodes is refused),
 * sent at once. Replies come back in queue order either way. Not atomic: for one step, a script.
 */
export class Batch {
  private readonly ops: {
    key: string;
    stage: number;
    add: (pipe: ChainableCommander) => unknown;
  }[] = [];

  constructor(private readonly redis: RedisClient) {}

  get length(): number {
    return this.ops.length;
  }

  /**
   * Queues one command (exactly one reply) on `key`. On a cluster, every command of a lower
   * `stage` is done before any of a higher one is sent (one Redis keeps queue order anyway).
   */
  add(key: string, add: (pipe: ChainableCommander) => unknown, stage = 0): this {
    this.ops.push({ key, stage, add });
    return this;
  }

  /** Sends everything; each reply carries its command's error. Throws if a connection failed. */
  async exec(): Promise<Reply[]> {
    const out: Reply[] = new Array<Reply>(this.ops.length);
    const send = async (group: number[]) => {
      const pipe = this.redis.pipeline();
      for (const i of group) this.ops[i]?.add(pipe);
      const replies = (await pipe.exec()) ?? [];
      group.forEach((at, j) => (out[at] = replies[j] ?? [new Error('no reply'), null]));
    };
    const all = this.ops.map((_, i) => i);
    const { redis } = this;
    if (!(redis instanceof Cluster)) {
      if (all.length > 0) await send(all);
      return out;
    }
    const stages = [...new Set(this.ops.map((o) => o.stage))].sort((a, b) => a - b);
    for (const stage of stages) {
      let ops = all.filter((i) => this.ops[i]?.stage === stage);
      for (let attempt = 0; ; attempt++) {
        await Promise.all(byNode(redis, ops, (i) => this.ops[i]?.key ?? '').map(send));
        // Redis did not run these: their slot moved or is moving. Ask again where it is now.
        ops = ops.filter((i) => NOT_RUN.test(out[i]?.[0]?.message ?? ''));
        if (ops.length === 0 || attempt >= MOVED_RETRIES) break;
        await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()));
        await sleep(50 * (attempt + 1));
      }
    }
    return out;
  }
}

// Replies of a cluster node that ran nothing: the command may be sent again elsewhere.
const NOT_RUN = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;
const MOVED_RETRIES = 5;

/** Op indexes by the node set serving their key's slot: the grouping ioredis checks a cluster pipeline against. */
function byNode(redis: Cluster, ops: number[], keyOf: (i: number) => string): number[][] {
  const groups = new Map<string, number[]>();
  for (const i of ops) {
    const node = redis.slots[slotOf(keyOf(i))]?.join(',') ?? '';
    const g = groups.get(node);
    if (g) g.push(i);
    else groups.set(node, [i]);
  }
  return [...groups.values()];
}
