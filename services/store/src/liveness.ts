import { randomBytes } from 'node:crypto';
import { clockScript, gatewaysByTimeScript, heartbeatScript } from './lua/scripts.js';
import { guarded, type StoreContext } from './context.js';

// Gateway liveness as leases on Redis's clock: a heartbeat renews one, and a gateway whose
// lease ran out is dead to the fleet, whatever its host's clock says.

export interface Heartbeat {
  /** Redis's clock when the lease was renewed (ms). */
  now: number;
  /** The fleet epoch: it changes only when Redis lost its data. */
  epoch: string;
}

/** Renews the gateway's liveness lease, timed by Redis's clock. */
export async function heartbeat(ctx: StoreContext, gw: string): Promise<Heartbeat> {
  const res = (await guarded(() =>
    heartbeatScript.run(ctx.redis, ctx.keys, { gw, newEpoch: randomBytes(8).toString('hex') }),
  )) as [number, string, string];
  return { now: Number(res[1]), epoch: res[2] };
}

/** True (once) when a reaper cleaned this gateway up: it was declared dead while alive. */
export async function takeReapedMark(ctx: StoreContext, gw: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.del(ctx.keys.reaped(gw)))) === 1;
}

/**
 * Redis's clock now (ms), for the few comparisons that are not inside a script: read on the
 * node serving `key`, whose clock stamped what it is compared with (on one Redis, the one).
 */
export async function redisTimeMs(
  ctx: Pick<StoreContext, 'redis' | 'keys'>,
  key: string,
): Promise<number> {
  return Number(await clockScript.run(ctx.redis, ctx.keys, { key }));
}

type Liveness = Pick<StoreContext, 'redis' | 'keys'>;

/** Gateways whose lease is current by Redis's clock. */
export async function liveGateways(ctx: Liveness, timeoutMs: number): Promise<Set<string>> {
  const ids = (await guarded(() =>
    gatewaysByTimeScript.run(ctx.redis, ctx.keys, { which: 'live', timeoutMs }),
  )) as string[];
  return new Set(ids);
}

/** Gateways whose lease ran out (no heartbeat within `timeoutMs` of Redis's clock). */
export async function deadGateways(ctx: Liveness, timeoutMs: number): Promise<string[]> {
  return (await guarded(() =>
    gatewaysByTimeScript.run(ctx.redis, ctx.keys, { which: 'dead', timeoutMs }),
  )) as string[];
}

/** Whether a gateway is still in the list (a reaper removes it last, after routing its inbox). */
export async function gatewayListed(ctx: Liveness, gw: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.zscore(ctx.keys.gateways(), gw))) !== null;
}

/** Whether one gateway's lease is current. */
export async function gatewayAlive(ctx: Liveness, gw: string, timeoutMs: number): Promise<boolean> {
  const r = await guarded(() =>
    gatewaysByTimeScript.run(ctx.redis, ctx.keys, { which: 'one', timeoutMs, gw }),
  );
  return r === 1;
}
