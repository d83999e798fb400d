import { createServer, type Server, type Socket } from 'node:net';
import {
  AddressRate,
  banMessage,
  createGatewayRuntime,
  type GatewayContext,
  gatewayContextFromConfig,
  TokenBucket,
} from '@chatfleet/gateway-core';
import type { Logger, Service } from '@chatfleet/runtime';
import type { TcpGatewayConfig } from './config.js';
import { TcpConnection } from './tcp-connection.js';

export interface TcpGateway extends Service {
  tcpPort(): number;
  metricsPort(): number;
}

/** The TCP transport: nc/telnet text mode and NDJSON, around the shared session engine. */
export function createTcpGateway(
  config: TcpGatewayConfig,
  log: Logger,
  overrides: Partial<GatewayContext> = {},
): TcpGateway {
  const names = { service: 'tcp-gateway', transport: 'tcp' };
  const rt = createGatewayRuntime(gatewayContextFromConfig(config, log, names, overrides));
  const { core, metrics } = rt;
  const perIp = new Map<string, number>();
  const connections = new Set<TcpConnection>();
  let server: Server | undefined;
  let tcpPort = config.tcpPort;
  let stopping: Promise<void> | undefined;

  // When a gateway dies its clients all reconnect to the others at once: take them in at a
  // bounded rate and tell the rest to retry (clients back off with jitter).
  const connects = new TokenBucket(config.maxConnectsPerSec, config.maxConnectsPerSec);
  // Checked first: one address flooding with connections spends its own share, not everyone's.
  const perAddress = new AddressRate(config.maxConnectsPerAddress, config.maxConnectsPerAddress);
  const refuse = (socket: Socket, reason: string, code: string, message: string) => {
    metrics.disconnects.inc({ reason });
    socket.end(`${JSON.stringify({ type: 'error', code, message })}\n`);
    socket.on('error', () => undefined);
  };
  const accept = (socket: Socket) => {
    const ip = socket.remoteAddress ?? '?';
    const ban = core.bans.forAddress(ip);
    if (ban) {
      metrics.moderation.inc({ action: 'ban_refused' });
      return refuse(socket, 'banned', 'banned', banMessage(ban));
    }
    if (!core.draining && !perAddress.take(ip))
      return refuse(
        socket,
        'address_busy',
        'rate_limited',
        'too many new connections from your address: retry in 1 s',
      );
    if (!core.draining && !connects.take())
      return refuse(socket, 'busy', 'unavailable', 'too many new connections: retry in 1 s');
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > config.maxConnectionsPerIp || core.draining) {
      const message = core.draining
        ? 'the server is restarting'
        : 'too many connections from your address';
      return refuse(socket, core.draining ? 'draining' : 'ip_limit', 'forbidden', message);
    }
    perIp.set(ip, n);
    metrics.connections.inc({ transport: 'tcp' });
    metrics.connectionsTotal.inc({ transport: 'tcp' });
    const conn = new TcpConnection(socket, core, config, () => {
      connections.delete(conn);
      metrics.connections.dec({ transport: 'tcp' });
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
    connections.add(conn);
  };

  return {
    tcpPort: () => tcpPort,
    metricsPort: rt.metricsPort,
    async start() {
      await rt.start();
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
        await rt.drain();
        await Promise.race([
          Promise.all([...connections].map((c) => c.whenClosed())),
          new Promise((r) => setTimeout(r, 2000).unref()),
        ]);
        for (const c of connections) c.destroy();
        await rt.close();
      })();
      return stopping;
    },
  };
}
