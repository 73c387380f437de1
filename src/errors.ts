// Errors with a stable code and the policy the runtime follows for them.
// Anything that is not an OnairError (a TypeError, say) is a bug: logged with its stack, never retried quietly.

/**
 * What the scheduler does after a poll fails with this error: back off exponentially; retry only rarely
 * (the source lacks what we need, e.g. a stream without in-stream metadata); or disable (a config error).
 */
export type ErrorPolicy = 'backoff' | 'rare' | 'disable';

export class OnairError extends Error {
  readonly code: string;
  readonly policy: ErrorPolicy;
  constructor(code: string, message: string, policy: ErrorPolicy = 'backoff', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.policy = policy;
  }
}

/** The network failed us: refused, reset, timed out, DNS, TLS. */
export class NetworkError extends OnairError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, 'backoff', options);
  }
}

/** The server answered, but not with something usable: HTTP status, too big, wrong type, redirect loop. */
export class ResponseError extends OnairError {
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number) {
    super(code, message, 'backoff');
    this.status = status;
  }
}

/** The bytes arrived but do not parse as the station's format (garbage, hostile XML, missing mount). */
export class ParseError extends OnairError {
  constructor(message: string, options?: { cause?: unknown }, code = 'ONAIR_PARSE') {
    super(code, message, 'backoff', options);
  }
}

/**
 * The status page answers, but the station's mount is not in it: its source disconnected (off air), or the
 * mount is misspelt. The pipeline ends the song only once the mount has stayed away a while; a misspelt
 * mount stays in the station's health as this error.
 */
export class MountAbsentError extends ParseError {
  constructor(message: string) {
    super(message, undefined, 'ONAIR_MOUNT_ABSENT');
  }
}

/** stations.json or a command line is wrong; names the file, station and field. */
export class ConfigError extends OnairError {
  constructor(message: string) {
    super('ONAIR_CONFIG', message, 'disable');
  }
}

/** A short, log-friendly reason for any thrown value: the code and message, never a stack. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof OnairError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : err.name, message: err.message };
  }
  return { code: 'UNKNOWN', message: String(err) };
}

/** True for errors that are expected in production (network, station data): logged as one line, no stack. */
export function isExpected(err: unknown): boolean {
  return err instanceof OnairError;
}
