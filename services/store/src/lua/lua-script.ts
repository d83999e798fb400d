import { createHash } from 'node:crypto';
import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisClient } from '@chatfleet/runtime';

/** Redis does not know a script (it restarted, or was told SCRIPT FLUSH); also when wrapped. */
export function isNoScript(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause)
    if (e.message.startsWith('NOSCRIPT')) return true;
  return false;
}

/**
 * Runs `exec`, a pipeline that queues EVALSHAs of `scripts` (a pipeline cannot fall back to
 * EVAL); when Redis has forgotten them, loads them and runs it once more. Only for pipelines
 * whose writes may safely run twice.
 */
export async function withScripts<T>(
  redis: RedisClient,
  scripts: { load(redis: RedisClient): Promise<void> }[],
  exec: () => Promise<T>,
): Promise<T> {
  try {
    return await exec();
  } catch (err) {
    if (!isNoScript(err)) throw err;
    for (const s of scripts) await s.load(redis);
    return exec();
  }
}

/** A Lua script run by EVALSHA, loading itself once when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
    /** Its file name says how many KEYS it takes (`<name>-<keys>.lua`); calls must agree. */
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  private checkKeys(keys: string[]): void {
    if (keys.length !== this.numberOfKeys)
      throw new Error(`script ${this.name} takes ${this.numberOfKeys} keys, given ${keys.length}`);
  }

  async run(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    this.checkKeys(keys);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (isNoScript(err)) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  /**
   * Loads the script on this server (on every primary of a cluster: a pipeline goes to the node
   * of its keys), so that `queue`d EVALSHAs find it.
   */
  async load(redis: RedisClient): Promise<void> {
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    await Promise.all(nodes.map((n) => n.script('LOAD', this.source)));
  }

  /** Adds a run to a pipeline (`load` it first: a pipeline cannot fall back on NOSCRIPT). */
  queue(pipe: ChainableCommander, keys: string[], args: (string | number)[]): void {
    this.checkKeys(keys);
    pipe.evalsha(this.sha, keys.length, ...keys, ...args);
  }
}
