import { createRequire } from 'node:module';

// Redis Cluster's own key-to-slot function (CRC16 of the hash tag), the one ioredis routes by.
const generate = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

export const SLOTS = 16384;

/** The Redis Cluster slot of a key, channel or hash tag. */
export const slotOf = (key: string): number => generate(key);

/**
 * A hash tag per partition whose slot falls in the partition's share of the 16384, so that
 * partitions spread evenly over however many shards own those slots (`{p0}`…`{p15}` land on
 * 16 arbitrary slots: with 16 shards, half of them got none).
 */
export function spreadTags(partitions: number): string[] {
  const tags: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const from = Math.floor((p * SLOTS) / partitions);
    const to = Math.floor(((p + 1) * SLOTS) / partitions);
    for (let k = 0; ; k++) {
      const tag = `p${p}.${k}`;
      const slot = slotOf(`{${tag}}`);
      if (slot >= from && slot < to) {
        tags.push(tag);
        break;
      }
    }
  }
  return tags;
}
