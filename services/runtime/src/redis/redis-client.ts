import type { Cluster, Redis } from 'ioredis';

/** A command client: one Redis, or a Redis Cluster that routes each command to its slot. */
export type RedisClient = Redis | Cluster;
