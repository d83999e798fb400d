import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttackResult,
  DEFAULT_BUDGETS,
  type Fleet,
  JsonClient,
  measureAttack,
  startFleet,
} from '@chatfleet/testing';

/** Where the attacks come from; bystanders and setup use other addresses. */
export const ATTACKER = '127.0.0.66';
export const BIG = 'x'.repeat(2000);
export const MINUTE = 60_000;
/** What one address may make Redis keep in a minute of trying, as docs/protocol.md states it. */
export const MIB = 1024 * 1024;

/** A connection from the attacker's address, or undefined when the gateway refused it. */
export async function tryHello(port: number, address = ATTACKER): Promise<JsonClient | undefined> {
  let c: JsonClient;
  try {
    c = await JsonClient.connect(port, address);
  } catch {
    return undefined;
  }
  c.send({ type: 'hello' });
  const f = await c.frames.take(() => true, 5000, 'a first frame').catch(() => undefined);
  if (f?.type === 'welcome') return c;
  c.close();
  await sleep(200);
  return undefined;
}

/** The bystander was never stalled, and Redis kept no more than `budget` bytes. */
export function assertContained(res: AttackResult, budget: number, what: string): void {
  const worst = Math.max(...res.rtts);
  const sorted = [...res.rtts].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(
    `${what}: Redis grew ${(res.grewBytes / 1024).toFixed(0)} KiB; bystander p50 ${p50.toFixed(1)} ms, worst ${worst.toFixed(0)} ms; ${JSON.stringify(res.detail)}`,
  );
  assert.ok(res.grewBytes < budget, `${what}: Redis grew by ${res.grewBytes} bytes`);
  assert.ok(res.rtts.length > 100, `${res.rtts.length} bystander pings`);
  assert.ok(worst < 1000, `${what}: a bystander waited ${worst} ms`);
}

/**
 * A fleet with the product's budgets for the enclosing describe (one gateway, no matchmaker),
 * and a way to run a minute of attack against it from ATTACKER.
 */
export function budgetFleet(): {
  fleet: () => Fleet;
  port: () => number;
  attack: (fn: (until: number) => Promise<Record<string, number>>) => Promise<AttackResult>;
} {
  let fleet: Fleet | undefined;
  before(async () => {
    fleet = await startFleet({ gateways: 1, matchmaker: false, env: DEFAULT_BUDGETS });
  });
  after(() => fleet?.stop());
  const f = () => {
    if (!fleet) throw new Error('the fleet is not up yet');
    return fleet;
  };
  const port = () => f().gateways[0]!.tcpPort;
  return { fleet: f, port, attack: (fn) => measureAttack(f(), port(), MINUTE, fn) };
}
