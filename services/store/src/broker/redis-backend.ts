import {
  closeRedis,
  connectRedis,
  createRedis,
  createRedisCluster,
  FleetClock,
  type Logger,
  nodeUrl,
  type RedisMetrics,
} from '@chatfleet/runtime';
import type { StoreContext, StoreLimits } from '../context.js';
import { createKeys } from '../keys.js';
import type { ConversationBroker } from './conversation-broker.js';
import { type GatewayInbox, RedisGatewayInbox } from './gateway-inbox.js';
import { type Link, redisLink } from './link.js';
import type { Presence } from './presence.js';
import { RedisConversationBroker } from './redis-conversation-broker.js';
import { RedisPresence } from './redis-presence.js';
import { ClusterConversationBroker } from './cluster-conversation-broker.js';
import { slotOf } from '../slots.js';

/** Everything a gateway core needs of the store, behind the seams it is written against. */
export interface GatewayBackend {
  /** The store's operations (nicks, matches, blocks…), passed to its functions. */
  store: StoreContext;
  /** The commands connection, as /healthz sees it. */
  commands: Link;
  broker: ConversationBroker;
  presence: Presence;
  /** Opens a gateway's inbox (the events for its sessions, read in order) by its id. */
  openInbox(gw: string): GatewayInbox;
  /** Connects (waiting a bounded while; the connections keep retrying after). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisBackendOptions {
  /** One Redis URL, or with `cluster` seed node URLs separated by commas. */
  url: string;
  /** Redis Cluster: commands routed by slot, sharded Pub/Sub on a connection per node. */
  cluster?: boolean;
  /** Names the connections (`CLIENT LIST`) after the service. */
  service: string;
  prefix: string;
  partitions: number;
  limits: StoreLimits;
  clockSkewMs: number;
  log: Logger;
  /** Where each connection's commands, errors and reconnects are counted, by role. */
  metrics: RedisMetrics;
  /** Cluster: how often subscriptions are checked against the slot map (tests shorten it). */
  settleEveryMs?: number;
}

/** One Redis: a commands connection, a subscriber and a blocking inbox reader, one per role. */
export function redisGatewayBackend(o: RedisBackendOptions): GatewayBackend {
  if (o.cluster) return clusterGatewayBackend(o);
  const conn = { url: o.url, logger: o.log, metrics: o.metrics };
  const redis = createRedis({ ...conn, role: 'commands', name: o.service });
  const sub = createRedis({ ...conn, role: 'subscriber', name: `${o.service}-sub` });
  const inboxReader = createRedis({ ...conn, role: 'blocking', name: `${o.service}-inbox` });
  const store: StoreContext = {
    redis,
    keys: createKeys(o.prefix, o.partitions),
    limits: o.limits,
    clock: new FleetClock(o.clockSkewMs),
  };
  return {
    store,
    commands: redisLink(redis),
    broker: new RedisConversationBroker(store, sub),
    presence: new RedisPresence(store),
    openInbox: (gw) => new RedisGatewayInbox(inboxReader, store, gw),
    async connect() {
      await Promise.all([connectRedis(redis), connectRedis(sub), connectRedis(inboxReader)]);
    },
    async close() {
      await Promise.all([closeRedis(redis), closeRedis(sub)]);
      inboxReader.disconnect();
    },
  };
}

/**
 * Redis Cluster: a cluster client for commands and one for the blocking inbox reader (each
 * command goes to its slot's node), and a subscriber connection per node, opened as needed.
 */
function clusterGatewayBackend(o: RedisBackendOptions): GatewayBackend {
  const conn = { url: o.url, logger: o.log, metrics: o.metrics };
  const redis = createRedisCluster({ ...conn, role: 'commands', name: o.service });
  const inboxReader = createRedisCluster({ ...conn, role: 'blocking', name: `${o.service}-inbox` });
  const store: StoreContext = {
    redis,
    keys: createKeys(o.prefix, o.partitions, true),
    limits: o.limits,
    clock: new FleetClock(o.clockSkewMs),
  };
  const broker = new ClusterConversationBroker(
    store,
    redis,
    (node) =>
      createRedis({
        ...conn,
        url: nodeUrl(o.url, node),
        role: 'subscriber',
        name: `${o.service}-sub`,
      }),
    slotOf,
    o.settleEveryMs,
  );
  return {
    store,
    commands: redisLink(redis),
    broker,
    presence: new RedisPresence(store),
    openInbox: (gw) => new RedisGatewayInbox(inboxReader, store, gw),
    async connect() {
      await Promise.all([connectRedis(redis), connectRedis(inboxReader)]);
    },
    async close() {
      broker.close();
      await closeRedis(redis);
      inboxReader.disconnect();
    },
  };
}
