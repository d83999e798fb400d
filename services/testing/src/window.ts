import { parseStored } from '@chatfleet/store';

// Reading and damaging a conversation's recovery window (a list of stored messages) the way a
// test needs to: which ids Redis kept, and one message taken out as a lagging replica loses it.

interface ListReader {
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  lrem(key: string, count: number, element: string): Promise<number>;
}

const idOf = (raw: string) => parseStored(raw)?.id ?? NaN;

/** The ids of the messages in a window, oldest first. */
export async function windowIds(redis: ListReader, key: string): Promise<number[]> {
  return (await redis.lrange(key, 0, -1)).map(idOf);
}

/** Removes message `id` from a window; fails if the window does not hold it. */
export async function dropFromWindow(redis: ListReader, key: string, id: number): Promise<void> {
  const raw = (await redis.lrange(key, 0, -1)).find((r) => idOf(r) === id);
  if (raw === undefined || (await redis.lrem(key, 1, raw)) !== 1)
    throw new Error(`message ${id} is not in ${key}`);
}
