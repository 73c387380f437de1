// The one logger: pino NDJSON on stdout. Level from --log-level, else LOG_LEVEL, else info.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: undefined, redact: { paths: ['url', '*.url'], censor: redactUrl } }, destination);
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Removes user:password from a URL so credentials never reach a log line. */
export function redactUrl(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
