import { configOrExit, createLogger, runService } from '@chatfleet/runtime';
import { readConfig } from './config.js';
import { createMatchmaker } from './matchmaker.js';

const config = configOrExit('matchmaker', () => readConfig());
const log = createLogger('matchmaker', config.logLevel);
const service = createMatchmaker(config, log);
await runService(service, log, config.shutdownGraceMs);
log.info({ metricsPort: service.metricsPort(), consumer: config.consumer }, 'matchmaker running');
