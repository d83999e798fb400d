import { configOrExit, createLogger, runService } from '@chatfleet/runtime';
import { readConfig } from './config.js';
import { createHistoryWriter } from './history-writer.js';

const config = configOrExit('history-writer', () => readConfig());
const log = createLogger('history-writer', config.logLevel);
const service = createHistoryWriter(config, log);
await runService(service, log, config.shutdownGraceMs);
log.info(
  { metricsPort: service.metricsPort(), consumer: config.consumer },
  'history-writer running',
);
