// The one logger: pino NDJSON on stdout. Level from --log-level, else LOG_LEVEL, else info.
import { fstatSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { redactUrl } from './url.ts';

export type { Logger };

/**
 * Where a logger writes: `fd` (stdout unless a test says otherwise). Into a regular file, synchronously, a
 * write per line: pino's default destination writes asynchronously, at most 16 KiB per write and one write
 * per turn of the event loop, and a crawler behind on thousands of stations turns its loop a few times a
 * second while it logs hundreds of KB/s, so its log fell further behind every second, the lines piling up in
 * memory (measured at 50,000 feeds: the log stopped 50 s after start while plays were still committed a
 * minute later). A larger write size does not mend that: sonic-boom measures its whole pending string at
 * every line. A write to a file never waits on a reader; it costs a syscall on the crawler's thread (2.5 %
 * of its CPU at 20,000 stations, some 450 lines a second). Into a pipe, a socket or a terminal (journald, a
 * pager), pino's asynchronous default stays: there a slow reader would stall a synchronous writer, and a
 * stalled node misses its lease renewals.
 */
export function logDestination(fd = 1): pino.DestinationStream {
  return pino.destination({ dest: fd, sync: isFile(fd) });
}

function isFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** Credentials in any `url` field are masked before the line is written. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination: pino.DestinationStream = logDestination()): Logger {
  return pino({ level, base: undefined, redact: { paths: ['url', '*.url'], censor: redactUrl } }, destination);
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
