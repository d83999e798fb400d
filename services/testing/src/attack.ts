import type { Redis } from 'ioredis';
import { redisMemory } from '@chatfleet/runtime';
import { helloOn, JsonClient } from './clients.js';
import type { Fleet } from './fleet.js';

/** The product's default budgets (an empty value is the default), over the test fleet's lift. */
export const DEFAULT_BUDGETS: Record<string, string> = {
  MAX_CONNECTS_PER_ADDRESS: '',
  REPORTS_PER_ADDRESS_HOUR: '',
  ROOMS_PER_ADDRESS_HOUR: '',
  OFFLINE_DMS_PER_HOUR: '',
  TEXT_BYTES_PER_ADDRESS_MIN: '',
};

/** Redis's memory in use, in bytes (INFO memory's used_memory). */
export async function usedMemory(admin: Redis): Promise<number> {
  return (await redisMemory(admin)).used;
}

export interface AttackResult {
  /** Redis's used_memory after the attack (and the history-writer's catch-up), less before. */
  grewBytes: number;
  /** A bystander's ping round trips during the attack, in ms. */
  rtts: number[];
  /** What the attack function returned. */
  detail: Record<string, number>;
}

/**
 * Runs `attack` until `ms` have passed (it is handed the deadline and must stop by it) while a
 * bystander on another address pings every 100 ms, and measures what Redis kept.
 */
export async function measureAttack(
  fleet: Fleet,
  port: number,
  ms: number,
  attack: (until: number) => Promise<Record<string, number>>,
): Promise<AttackResult> {
  const admin = await fleet.admin();
  const { c: bystander } = await helloFrom(port, '127.0.0.250', `bystander${Date.now() % 1e6}`);
  await settle(admin);
  const before = await usedMemory(admin);
  const rtts: number[] = [];
  const until = Date.now() + ms;
  const pinging = (async () => {
    while (Date.now() < until) {
      const t0 = performance.now();
      await bystander.request({ type: 'ping' }, 10_000);
      rtts.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const detail = await attack(until);
  await pinging;
  bystander.close();
  await settle(admin);
  return { grewBytes: (await usedMemory(admin)) - before, rtts, detail };
}

/** Says hello from a given local address. */
export async function helloFrom(port: number, address: string, nick?: string) {
  return helloOn(await JsonClient.connect(port, address), nick);
}

/** Waits until the history-writer has nothing pending and Redis's memory holds still. */
async function settle(admin: Redis): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await usedMemory(admin);
    if (Math.abs(now - last) < 16 * 1024) return;
    last = now;
  }
}
