import type { Logger } from '../logger.js';

export interface Service {
  start(): Promise<void>;
  /** Idempotent; drains before it resolves. */
  stop(): Promise<void>;
}

/**
 * Starts a service and stops it on SIGTERM or SIGINT, exiting 0 once it has drained. Whatever
 * still hangs (a Redis that is away) gets one second past `graceMs`, then the process exits 1.
 */
export async function runService(service: Service, log: Logger, graceMs: number): Promise<void> {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs }, 'stopping');
    setTimeout(() => {
      log.error({ graceMs }, 'stop did not finish in time, exiting');
      process.exit(1);
    }, graceMs + 1000).unref();
    service.stop().then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await service.start();
  } catch (err) {
    log.fatal({ err }, 'start failed');
    process.exit(1);
  }
}
