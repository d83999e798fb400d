import uWS from 'uWebSockets.js';
import { Gauge } from 'prom-client';
import {
  AddressRate,
  createGatewayRuntime,
  type GatewayContext,
  gatewayContextFromConfig,
  TokenBucket,
} from '@chatfleet/gateway-core';
import { decodeUtf8 } from '@chatfleet/protocol';
import type { Logger, Service } from '@chatfleet/runtime';
import type { WsGatewayConfig } from './config.js';
import { addHttpRoutes } from './http-routes.js';
import { originAllowed } from './origin.js';
import { PublishClock } from './publish-clock.js';
import { loadStatic } from './static-files.js';
import { WsTransport, type SocketData } from './ws-transport.js';

export interface WsGateway extends Service {
  wsPort(): number;
  metricsPort(): number;
}

/** The WebSocket transport on uWebSockets.js, around the shared session engine. */
export function createWsGateway(
  config: WsGatewayConfig,
  log: Logger,
  overrides: Partial<GatewayContext> = {},
): WsGateway {
  // The package quietly falls back to a slow JavaScript server when no binary fits this Node.
  if (typeof (uWS as { getParts?: unknown }).getParts !== 'function')
    log.warn(
      { node: process.version, abi: process.versions.modules },
      'uWebSockets.js native build not loaded: running on its JavaScript fallback',
    );
  const app = uWS.App();
  const clock = new PublishClock();
  // Steady room members share one publish per message, sent to their sockets by uWS in C++.
  const names = { service: 'ws-gateway', transport: 'ws' };
  const ctx = gatewayContextFromConfig(config, log, names, overrides);
  const rt = createGatewayRuntime(ctx, (topic, bytes) => {
    clock.published();
    app.publish(topic, bytes, false);
  });
  const { core, metrics } = rt;
  const backpressured = new Gauge({
    name: 'chat_ws_backpressured_sockets',
    help: 'WebSockets with bytes uWS could not send yet (they leave this state on drain)',
    registers: [rt.registry],
  });
  const perIp = new Map<string, number>();
  // A dead gateway's clients all reconnect at once: take them in at a bounded rate, 503 the rest.
  const connects = new TokenBucket(config.maxConnectsPerSec, config.maxConnectsPerSec);
  // Checked first: one address flooding with upgrades spends its own share, not everyone's.
  const perAddress = new AddressRate(config.maxConnectsPerAddress, config.maxConnectsPerAddress);
  let listenSocket: uWS.us_listen_socket | undefined;
  let wsPort = config.wsPort;
  let stopping: Promise<void> | undefined;

  app.ws<SocketData>('/ws', {
    // uWS drops a connection whose message passes maxPayloadLength without a close frame (1006),
    // so its cap sits above ours: frames between the two get a too_large error, as over TCP.
    maxPayloadLength: config.maxPayloadBytes,
    // We enforce the backlog limit ourselves, so uWS must never drop a frame before we see it:
    // a topic publish can add a tick's worth of messages before a socket leaves the topic.
    maxBackpressure: config.maxBacklogBytes * 2 + 64 * 1024 * 1024,
    closeOnBackpressureLimit: 0,
    idleTimeout: config.idleTimeoutSec,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
      const origin = req.getHeader('origin');
      const refuse = (status: string, why: string) => {
        metrics.disconnects.inc({ reason: why });
        res.cork(() => {
          res.writeStatus(status).writeHeader('content-type', 'text/plain');
          if (status.startsWith('503') || why === 'address_busy')
            res.writeHeader('retry-after', '1');
          res.end(why);
        });
      };
      if (core.draining) return refuse('503 Service Unavailable', 'draining');
      if (!perAddress.take(ip)) return refuse('429 Too Many Requests', 'address_busy');
      if (!connects.take()) return refuse('503 Service Unavailable', 'busy');
      if (!originAllowed(origin, req.getHeader('host'), config.allowedOrigins))
        return refuse('403 Forbidden', 'origin');
      if ((perIp.get(ip) ?? 0) >= config.maxConnectionsPerIp)
        return refuse('429 Too Many Requests', 'ip_limit');
      res.upgrade<SocketData>(
        { ip },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      perIp.set(data.ip, (perIp.get(data.ip) ?? 0) + 1);
      metrics.connections.inc({ transport: 'ws' });
      metrics.connectionsTotal.inc({ transport: 'ws' });
      const transport = new WsTransport(ws, core, config.maxBacklogBytes, backpressured, clock);
      transport.session = core.createSession(transport);
      data.transport = transport;
    },
    message: (ws, message, isBinary) => {
      const session = ws.getUserData().transport?.session;
      if (!session) return;
      if (isBinary) return session.receiveInvalid('bad_frame', 'frames are JSON text, not binary');
      if (message.byteLength > config.maxFrameBytes) {
        return session.receiveInvalid(
          'too_large',
          `frames are limited to ${config.maxFrameBytes} bytes`,
        );
      }
      // uWS validates text frames itself; this guards what it lets through, as over TCP.
      const text = decodeUtf8(Buffer.from(message));
      if (text === undefined) return session.receiveInvalid('bad_frame', 'input must be UTF-8');
      session.receiveText(text);
    },
    drain: (ws) => ws.getUserData().transport?.onDrain(),
    close: (ws) => {
      const data = ws.getUserData();
      metrics.connections.dec({ transport: 'ws' });
      const left = (perIp.get(data.ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(data.ip);
      else perIp.set(data.ip, left);
      const t = data.transport;
      if (!t) return;
      t.gone();
      void core.endSession(t.session);
    },
  });
  addHttpRoutes(app, core, loadStatic(config.publicDir));

  return {
    wsPort: () => wsPort,
    metricsPort: rt.metricsPort,
    async start() {
      await rt.start();
      await new Promise<void>((resolve, reject) => {
        app.listen(config.wsHost, config.wsPort, (s) => {
          if (!s) return reject(new Error(`cannot listen on ${config.wsHost}:${config.wsPort}`));
          listenSocket = s;
          wsPort = uWS.us_socket_local_port(s);
          resolve();
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        if (listenSocket) uWS.us_listen_socket_close(listenSocket);
        listenSocket = undefined;
        await rt.drain();
        await rt.close();
      })();
      return stopping;
    },
  };
}
