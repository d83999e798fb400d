import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout: fields first, then a short lowercase message. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}
