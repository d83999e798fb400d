import { configOrExit, createLogger, runService, tuneHeap } from '@chatfleet/runtime';
import { readConfig } from './config.js';
import { createWsGateway } from './ws-gateway.js';

const config = configOrExit('ws-gateway', () => readConfig());
tuneHeap(config);
const log = createLogger('ws-gateway', config.logLevel);
const gateway = createWsGateway(config, log);
await runService(gateway, log, config.shutdownGraceMs);
log.info({ wsPort: gateway.wsPort(), metricsPort: gateway.metricsPort() }, 'ws-gateway listening');
