// The one logger: pino NDJSON on stdout. Level from --log-level, else LOG_LEVEL, else info.
import { pino, type Logger } from 'pino';
import { redactUrl } from './url.ts';

export type { Logger };

/**
 * Where a logger writes: `fd` (stdout unless a test says otherwise), synchronously, one write per line.
 * pino's default destination writes asynchronously, at most 16 KiB per write and one write per turn of the
 * event loop: a crawler behind on thousands of stations turns its loop a few times a second while it logs
 * hundreds of KB/s of changes, so its log fell further behind every second, the lines piling up in memory
 * (measured at 50,000 feeds: the log stopped 50 s after start while plays were still committed a minute
 * later). A larger write size does not mend it: sonic-boom measures its whole pending string at every line.
 * A line written at once costs a write syscall on the crawler's thread (2.5 % of its CPU at 20,000 stations,
 * some 450 lines a second) and never waits for the loop; a stdout that blocks slows the crawler instead of
 * growing it.
 */
export function logDestination(fd = 1): pino.DestinationStream {
  return pino.destination({ dest: fd, sync: true });
}

/** Credentials in any `url` field are masked before the line is written. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination: pino.DestinationStream = logDestination()): Logger {
  return pino({ level, base: undefined, redact: { paths: ['url', '*.url'], censor: redactUrl } }, destination);
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
