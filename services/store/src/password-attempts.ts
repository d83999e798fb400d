import { refundPasswordScript, reservePasswordScript } from './lua/scripts.js';
import { guarded, type StoreContext } from './context.js';

export interface PasswordLimits {
  passwordFailsPerAddress: number;
  passwordFailsPerRoom: number;
  passwordWindowMs: number;
}

/**
 * Takes one password attempt for this address on this room, counted fleet-wide; resolves with
 * how long (ms) to wait instead, or 0 if the attempt may go ahead. The attempt counts as wrong
 * until `refundPasswordAttempt` says otherwise. A room under attack refuses only addresses
 * that have failed already: someone arriving with the right password still gets in at once.
 */
export async function reservePasswordAttempt(
  ctx: StoreContext,
  room: string,
  address: string,
  l: PasswordLimits,
): Promise<number> {
  const wait = await guarded(() =>
    reservePasswordScript.run(ctx.redis, ctx.keys, {
      room,
      address,
      perAddress: l.passwordFailsPerAddress,
      perRoom: l.passwordFailsPerRoom,
      windowMs: l.passwordWindowMs,
    }),
  );
  return Number(wait);
}

/** The reserved attempt was right: it does not count against anyone. */
export async function refundPasswordAttempt(
  ctx: StoreContext,
  room: string,
  address: string,
): Promise<void> {
  await guarded(() => refundPasswordScript.run(ctx.redis, ctx.keys, { room, address }));
}
