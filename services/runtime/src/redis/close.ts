import type { RedisClient } from './redis-client.js';

/**
 * Closes a connection without waiting on a Redis that is away: QUIT when it is ready (bounded
 * by timeoutMs), else drop it at once. quit() on a reconnecting client waits for Redis forever.
 */
export async function closeRedis(client: RedisClient, timeoutMs = 1000): Promise<void> {
  if (client.status !== 'ready') return client.disconnect();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
  await Promise.race([client.quit().catch(() => undefined), late]);
  clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
