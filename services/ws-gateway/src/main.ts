// Placeholder until the WebSocket gateway lands (uWebSockets.js around the same session
// engine). It reads its config and serves /healthz and /metrics so the fleet's wiring is real.
import { createLogger, createRegistry, runService, startMetricsServer } from '@chatfleet/common';
import type { Server } from 'node:http';
import { readConfig } from './config.js';

const config = readConfig();
const log = createLogger('ws-gateway', config.logLevel);
let http: Server | undefined;
await runService(
  {
    async start() {
      const registry = createRegistry('ws-gateway');
      http = (
        await startMetricsServer(registry, config.metricsHost, config.metricsPort, () => ({
          ok: true,
          detail: { placeholder: true },
        }))
      ).server;
    },
    async stop() {
      http?.close();
    },
  },
  log,
);
log.info(
  { metricsPort: config.metricsPort },
  'ws-gateway placeholder: WebSockets are not served yet',
);
