/**
 * How long to wait before reconnect attempt `attempt` (0, 1, 2…): exponential with full
 * jitter, anywhere from 0 to min(capMs, baseMs·2^attempt). When a gateway dies, its thousands
 * of clients then arrive at the survivors spread out, not all in the same second.
 */
export function reconnectDelay(
  attempt: number,
  baseMs = 500,
  capMs = 15_000,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20)));
}
