import { configOrExit, createLogger, runService, tuneHeap } from '@chatfleet/runtime';
import { readConfig } from './config.js';
import { createTcpGateway } from './tcp-gateway.js';

const config = configOrExit('tcp-gateway', () => readConfig());
tuneHeap(config);
const log = createLogger('tcp-gateway', config.logLevel);
const gateway = createTcpGateway(config, log);
await runService(gateway, log, config.shutdownGraceMs);
log.info(
  { tcpPort: gateway.tcpPort(), metricsPort: gateway.metricsPort() },
  'tcp-gateway listening',
);
