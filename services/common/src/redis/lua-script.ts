import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** A Lua script run by EVALSHA, loading itself once when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  /** Loads the script on this server, so that `queue`d EVALSHAs find it. */
  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.source);
  }

  /** Adds a run to a pipeline (`load` it first: a pipeline cannot fall back on NOSCRIPT). */
  queue(pipe: ChainableCommander, keys: string[], args: (string | number)[]): void {
    pipe.evalsha(this.sha, keys.length, ...keys, ...args);
  }
}
