import { isDmConv, ProtocolError, type StoredMessage } from '@chatfleet/protocol';
import { guarded, type StoreContext } from '../context.js';
import { mailboxRemoveScript, removeMessageScript } from '../lua/scripts.js';
import { parseStored, readHistory } from '../messages.js';

export interface Removal {
  /** `removed` now, or `already` (a second run after one that stopped half way). */
  status: 'removed' | 'already';
  /** The message as it was stored (undefined when it was removed already). */
  original?: StoredMessage;
  /** How many offline mailbox copies of a DM were taken out. */
  fromMailbox: number;
}

/**
 * Removes one message for good: out of the recovery window and durable history (a tombstone
 * keeps its id and seq), out of its recipient's offline mailbox if it is a DM, and marked so a
 * history-writer behind the window writes only the tombstone. Each step can run again: a
 * moderator who saw it fail half way runs the command again. `keepMs`: durable history's age.
 */
export async function removeMessage(
  ctx: StoreContext,
  conv: string,
  id: number,
  keepMs: number,
): Promise<Removal> {
  const [found] = await readHistory(ctx, conv, { after: id - 1 }, 1);
  if (!found || found.id !== id)
    throw new ProtocolError('bad_frame', `no message ${id} is kept in that conversation`);
  let fromMailbox = 0;
  // The mailbox first: the stored message names the recipient only until it is a tombstone.
  if (isDmConv(conv) && found.to !== undefined && !found.removed)
    fromMailbox = Number(
      await guarded(() =>
        mailboxRemoveScript.run(ctx.redis, ctx.keys, {
          lcNick: found.to!.toLowerCase(),
          id,
          conv,
        }),
      ),
    );
  const [status, raw] = (await guarded(() =>
    removeMessageScript.run(ctx.redis, ctx.keys, { conv, id, keepMs }),
  )) as [string, string];
  if (status === 'none')
    throw new ProtocolError('bad_frame', `no message ${id} is kept in that conversation`);
  const original = status === 'removed' ? parseStored(raw) : undefined;
  return {
    status: status === 'removed' ? 'removed' : 'already',
    ...(original ? { original } : {}),
    fromMailbox,
  };
}
