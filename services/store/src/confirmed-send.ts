import { ProtocolError, type StoredMessage } from '@chatfleet/protocol';
import type { RedisClient } from '@chatfleet/runtime';
import { classifyRedisError, guarded } from './context.js';
import { withScripts } from './lua/lua-script.js';
import type { ScriptCall, ScriptCommand } from './lua/script-command.js';

/**
 * The message was stored and sent to the conversation, but fewer replicas than ACK_REPLICAS
 * confirmed it in time: a failover now could lose it (and would then say so). Sending it again
 * would show it twice.
 */
export class UnconfirmedError extends ProtocolError {
  constructor(
    readonly stored: StoredMessage & { epoch: string },
    replicas: number,
    wanted: number,
  ) {
    super(
      'unconfirmed',
      `sent, but ${replicas} of ${wanted} replica(s) confirmed it in time: it may be lost if Redis fails over; do not send it again`,
    );
    this.name = 'UnconfirmedError';
  }
}

/**
 * Runs a script and then WAIT on the same connection (one pipeline, on a cluster the node of
 * the script's keys): Redis answers how many replicas have every write of that connection so
 * far, ours included.
 */
export async function runConfirmed<P>(
  redis: RedisClient,
  command: ScriptCommand<P>,
  call: ScriptCall,
  replicas: number,
  timeoutMs: number,
): Promise<{ reply: unknown; replicas: number }> {
  const exec = async () => {
    const pipe = redis.pipeline();
    command.script.queue(pipe, call.keys, call.args);
    pipe.wait(replicas, timeoutMs);
    const res = (await guarded(() => pipe.exec())) ?? [];
    const [ran, waited] = [res[0], res[1]];
    if (!ran || ran[0]) throw ran?.[0] ?? new Error('no reply to the script');
    if (!waited || waited[0])
      throw classifyRedisError(waited?.[0] ?? new Error('no reply to WAIT'));
    return { reply: ran[1], replicas: Number(waited[1]) };
  };
  try {
    // A script Redis does not know ran nothing: load it (on every primary) and run it once more.
    return await withScripts(redis, [command], exec);
  } catch (err) {
    throw classifyRedisError(err);
  }
}
