// The one logger: pino NDJSON on stdout. Level from --log-level, else LOG_LEVEL, else info.
import { pino, type Logger } from 'pino';
import { redactUrl } from './url.ts';

export type { Logger };

/** Credentials in any `url` field are masked before the line is written. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: undefined, redact: { paths: ['url', '*.url'], censor: redactUrl } }, destination);
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
