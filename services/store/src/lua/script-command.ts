import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@chatfleet/runtime';
import type { Batch } from '../batch.js';
import type { Keys } from '../keys.js';
import type { LuaScript } from './lua-script.js';
import { luaScript } from './lua-file.js';

export interface ScriptCall {
  keys: string[];
  args: (string | number)[];
}

/**
 * A script and the one place that makes its KEYS and ARGV from what its callers know: a direct
 * run and a pipeline's queued run share it, and a test can ask which keys a call touches.
 */
export class ScriptCommand<P> {
  constructor(
    readonly script: LuaScript,
    private readonly make: (keys: Keys, p: P) => ScriptCall,
  ) {}

  /** The keys and arguments of one call. */
  call(keys: Keys, p: P): ScriptCall {
    return this.make(keys, p);
  }

  run(redis: RedisClient, keys: Keys, p: P): Promise<unknown> {
    const c = this.make(keys, p);
    return this.script.run(redis, c.keys, c.args);
  }

  /** Adds a run to a pipeline (see `withScripts`: a pipeline cannot load a script itself). */
  queue(pipe: ChainableCommander, keys: Keys, p: P): void {
    const c = this.make(keys, p);
    this.script.queue(pipe, c.keys, c.args);
  }

  /** Adds a run to a batch, on its first key's slot (`load` it first, as for `queue`). */
  batch(b: Batch, keys: Keys, p: P, stage = 0): void {
    const c = this.make(keys, p);
    b.add(c.keys[0] ?? '', (pipe) => this.script.queue(pipe, c.keys, c.args), stage);
  }

  load(redis: RedisClient): Promise<void> {
    return this.script.load(redis);
  }
}

/** `<dir>/<name>-<keys>.lua` with how its calls are made. */
export function scriptCommand<P>(
  dir: URL,
  name: string,
  make: (keys: Keys, p: P) => ScriptCall,
): ScriptCommand<P> {
  return new ScriptCommand(luaScript(dir, name), make);
}
