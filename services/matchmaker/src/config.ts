import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type BaseConfig, envInt, envString, readBaseConfig } from '@chatfleet/runtime';

export interface MatchmakerConfig extends BaseConfig {
  /** A ticket with tags waits this long for a shared tag before anyone will do. */
  widenMs: number;
  tickMs: number;
  /** Requests a dead instance left unacknowledged this long are taken over. */
  claimIdleMs: number;
  gatewayTimeoutMs: number;
  /** How long two people are kept from being paired again. */
  repeatBlockMs: number;
  /** After this long waiting, two who just met may meet again if nobody else is there. */
  repeatRelaxMs: number;
  /** How many of the oldest waiting tickets one pairing pass considers. */
  passMax: number;
  /** Tickets of one address that pick before every other address's later ones. */
  perAddress: number;
  consumer: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): MatchmakerConfig {
  return {
    ...readBaseConfig(env, 9103),
    widenMs: envInt(env, 'MATCH_WIDEN_MS', 10_000, 0, 3_600_000),
    tickMs: envInt(env, 'MATCH_TICK_MS', 500, 50, 60_000),
    claimIdleMs: envInt(env, 'CLAIM_IDLE_MS', 15_000, 100, 3_600_000),
    gatewayTimeoutMs: envInt(env, 'GATEWAY_TIMEOUT_MS', 10_000, 1000, 600_000),
    repeatBlockMs: envInt(env, 'MATCH_REPEAT_BLOCK_MS', 3_600_000, 0, 86_400_000),
    repeatRelaxMs: envInt(env, 'MATCH_REPEAT_RELAX_MS', 30_000, 0, 86_400_000),
    passMax: envInt(env, 'MATCH_PASS_MAX', 20_000, 2, 1_000_000),
    perAddress: envInt(env, 'MATCH_PER_ADDRESS', 2, 1, 1_000_000),
    consumer: envString(env, 'CONSUMER_NAME', `${hostname()}-${randomBytes(3).toString('hex')}`),
  };
}
