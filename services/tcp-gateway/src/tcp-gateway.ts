import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import {
  GatewayCore,
  connectRedis,
  createGatewayMetrics,
  createKeys,
  createRedis,
  createRegistry,
  startMetricsServer,
  type Logger,
  type Service,
} from '@chatfleet/common';
import type { TcpGatewayConfig } from './config.js';
import { TcpConnection } from './tcp-connection.js';

export interface TcpGateway extends Service {
  tcpPort(): number;
  metricsPort(): number;
}

/** The TCP transport: nc/telnet text mode and NDJSON, around the shared session engine. */
export function createTcpGateway(config: TcpGatewayConfig, log: Logger): TcpGateway {
  const redis = createRedis({
    url: config.redisUrl,
    role: 'commands',
    name: 'tcp-gateway',
    logger: log,
  });
  const sub = createRedis({
    url: config.redisUrl,
    role: 'subscriber',
    name: 'tcp-gateway-sub',
    logger: log,
  });
  const registry = createRegistry('tcp-gateway');
  const metrics = createGatewayMetrics(registry, 'tcp');
  const keys = createKeys(config.prefix, config.partitions);
  const core = new GatewayCore({
    store: { redis, keys, limits: config.store },
    sub,
    log,
    metrics,
    limits: config.session,
    heartbeatMs: config.heartbeatMs,
  });
  const perIp = new Map<string, number>();
  const connections = new Set<TcpConnection>();
  let server: Server | undefined;
  let http: HttpServer | undefined;
  let tcpPort = config.tcpPort;
  let metricsPort = config.metricsPort;
  let stopping: Promise<void> | undefined;

  const accept = (socket: Socket) => {
    const ip = socket.remoteAddress ?? '?';
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > config.maxConnectionsPerIp || core.draining) {
      metrics.disconnects.inc({ reason: core.draining ? 'draining' : 'ip_limit' });
      const message = core.draining
        ? 'the server is restarting'
        : 'too many connections from your address';
      socket.end(`${JSON.stringify({ type: 'error', code: 'forbidden', message })}\n`);
      socket.on('error', () => undefined);
      return;
    }
    perIp.set(ip, n);
    metrics.connections.inc({ transport: 'tcp' });
    metrics.connectionsTotal.inc({ transport: 'tcp' });
    const conn = new TcpConnection(socket, core, config);
    connections.add(conn);
    socket.once('close', () => {
      connections.delete(conn);
      metrics.connections.dec({ transport: 'tcp' });
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  };

  return {
    tcpPort: () => tcpPort,
    metricsPort: () => metricsPort,
    async start() {
      await Promise.all([connectRedis(redis), connectRedis(sub)]);
      metrics.redisUp.set(redis.status === 'ready' ? 1 : 0);
      await core.start();
      const m = await startMetricsServer(registry, config.metricsHost, config.metricsPort, () => ({
        ok: !core.draining,
        detail: { redis: redis.status, sessions: core.sessions.size },
      }));
      http = m.server;
      metricsPort = m.port;
      server = createServer({ noDelay: true }, accept);
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(config.tcpPort, config.tcpHost, () => resolve());
      });
      const addr = server.address();
      if (typeof addr === 'object' && addr) tcpPort = addr.port;
    },
    stop() {
      stopping ??= (async () => {
        server?.close();
        await core.stop(config.shutdownGraceMs);
        await Promise.race([
          Promise.all([...connections].map((c) => c.closed)),
          new Promise((r) => setTimeout(r, 2000).unref()),
        ]);
        for (const c of connections) c.destroy();
        http?.close();
        await Promise.allSettled([redis.quit(), sub.quit()]);
      })();
      return stopping;
    },
  };
}
