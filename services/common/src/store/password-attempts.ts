import { conv } from '../redis/keys.js';
import { guarded, type StoreContext } from './context.js';

export interface PasswordLimits {
  passwordFailsPerAddress: number;
  passwordFailsPerRoom: number;
  passwordWindowMs: number;
}

/**
 * How long (ms) this address must wait before it may try a password on this room; 0 if it may
 * now. Counted fleet-wide in Redis. A room under attack refuses only addresses that have
 * failed already: someone arriving with the right password still gets in on the first try.
 */
export async function passwordWait(
  ctx: StoreContext,
  room: string,
  address: string,
  l: PasswordLimits,
): Promise<number> {
  const byAddress = ctx.keys.passwordFailsAddress(address);
  const byRoom = ctx.keys.passwordFailsRoom(conv.room(room));
  const [mine, theirs] = await guarded(() =>
    Promise.all([ctx.redis.get(byAddress), ctx.redis.get(byRoom)]),
  );
  const fails = Number(mine ?? 0);
  let key: string | undefined;
  if (fails >= l.passwordFailsPerAddress) key = byAddress;
  else if (fails > 0 && Number(theirs ?? 0) >= l.passwordFailsPerRoom) key = byRoom;
  if (!key) return 0;
  const ttl = await guarded(() => ctx.redis.pttl(key));
  return ttl > 0 ? ttl : l.passwordWindowMs;
}

/** Counts one wrong password against the address and the room, for the current window. */
export async function recordPasswordFailure(
  ctx: StoreContext,
  room: string,
  address: string,
  l: PasswordLimits,
): Promise<void> {
  const count = (key: string) =>
    ctx.redis.multi().set(key, '0', 'PX', l.passwordWindowMs, 'NX').incr(key).exec();
  await guarded(() =>
    Promise.all([
      count(ctx.keys.passwordFailsAddress(address)),
      count(ctx.keys.passwordFailsRoom(conv.room(room))),
    ]),
  );
}
