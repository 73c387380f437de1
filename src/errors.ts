// The one catalogue of onair's error codes, each with the policy the runtime follows for it; the few classes
// that carry them; and classify(), the one reading of a thrown value that every catch recording a station's
// health goes through. Anything thrown that is not an OnairError (a TypeError, say) is a bug: ONAIR_BUG.

/**
 * What the runtime does after a failure with a code (graphile-worker keeps its retryable codes the same way):
 * - `backoff`: retry after an exponential, capped, jittered delay.
 * - `rare`: retry only rarely: the source lacks what we need and will not grow it by the next attempt.
 * - `absent`: the feed answers but the station's mount is not on it: said in its health, polled at its
 *   interval without backoff, its song ended once the mount stays away (the pipeline's OFF_AIR_AFTER_MS).
 * - `disable`: the station's entry, or onair itself, is wrong: never retried. The station is parked until its
 *   stations.json entry changes or the process restarts; on the command line, exit 2.
 * - `stop`: the process cannot go on (exit 1).
 */
export type ErrorPolicy = 'backoff' | 'rare' | 'absent' | 'disable' | 'stop';

/** Every `ONAIR_*` code: its policy and what it means. */
export const ERRORS = {
  // The network (NetworkError).
  ONAIR_NETWORK: { policy: 'backoff', meaning: 'the connection failed (refused, reset, DNS, TLS, a broken HTTP message); `detail` names the system code' },
  ONAIR_CONNECT_TIMEOUT: { policy: 'backoff', meaning: 'no connection within the connect timeout' },
  ONAIR_HEADERS_TIMEOUT: { policy: 'backoff', meaning: 'a feed sent no response head within the headers timeout' },
  ONAIR_BODY_TIMEOUT: { policy: 'backoff', meaning: 'a feed body stalled past the body timeout' },
  ONAIR_TIMEOUT: { policy: 'backoff', meaning: 'no complete feed response within the request deadline' },
  ONAIR_FIRST_BYTE_TIMEOUT: { policy: 'backoff', meaning: 'a stream sent no response head in time' },
  ONAIR_IDLE_TIMEOUT: { policy: 'backoff', meaning: 'a stream went silent' },
  ONAIR_NO_TITLE: { policy: 'backoff', meaning: 'a stream ended before its first title' },
  ONAIR_ABORTED: { policy: 'backoff', meaning: 'the crawler is stopping; nothing is recorded' },
  // The server answered, not with something usable (ResponseError).
  ONAIR_HTTP_STATUS: { policy: 'backoff', meaning: 'an HTTP status other than 2xx or 304' },
  ONAIR_TOO_LARGE: { policy: 'backoff', meaning: 'a body, playlist or title-less stream past its byte cap' },
  ONAIR_BAD_REDIRECT: { policy: 'backoff', meaning: 'a redirect without a Location, or to something other than an http(s) URL' },
  ONAIR_TOO_MANY_REDIRECTS: { policy: 'backoff', meaning: 'more redirects (or playlists) than the cap' },
  ONAIR_BAD_HEAD: { policy: 'backoff', meaning: 'a stream response head that does not parse' },
  ONAIR_EMPTY_PLAYLIST: { policy: 'backoff', meaning: 'a playlist that names no http(s) stream' },
  // The bytes arrived and say something else than the station needs (ParseError and its kin).
  ONAIR_PARSE: { policy: 'backoff', meaning: "the document is not the station's format (garbage, an HTML page, hostile XML)" },
  ONAIR_MOUNT_ABSENT: { policy: 'absent', meaning: "the status page answers without the station's mount (off air, or a misspelt mount)" },
  ONAIR_NO_METADATA: { policy: 'rare', meaning: 'a stream without in-stream metadata (no icy-metaint, not Ogg)' },
  // Configuration (ConfigError).
  ONAIR_CONFIG: { policy: 'disable', meaning: 'stations.json or the command line is wrong; the message names the file, station and field' },
  ONAIR_BAD_URL: { policy: 'disable', meaning: 'a station URL that is not an http(s) URL' },
  // The process.
  ONAIR_DB_TOO_NEW: { policy: 'stop', meaning: 'the database was written by a newer onair' },
  ONAIR_DB_UNREACHABLE: { policy: 'stop', meaning: 'the database server does not answer at start (refused, unknown host, bad credentials, timeout)' },
  ONAIR_BUG: { policy: 'disable', meaning: 'a thrown value that is not an OnairError (TypeError, RangeError…): a bug in onair, logged with its stack' },
} as const satisfies Record<string, { policy: ErrorPolicy; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class OnairError extends Error {
  readonly code: ErrorCode;
  /** Read from the catalogue, never chosen by the thrower. */
  readonly policy: ErrorPolicy;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.policy = ERRORS[code].policy;
    // Stacks formatted now (6 µs each): until then V8 keeps every frame's receiver alive, and a station's
    // failure is kept for a round by the feed cache. Over-cap stations' errors held undici's handlers, and
    // through them a 64 KiB socket read each (9.4 MB at 20,000 feeds, 5 % misbehaving); a JSON parser's
    // SyntaxError as cause held the garbage it read.
    void this.stack;
    if (options?.cause instanceof Error) void options.cause.stack;
  }
}

/** The network failed us: refused, reset, timed out, DNS, TLS. */
export class NetworkError extends OnairError {
  /**
   * The system's own code that an ONAIR_NETWORK stands for (ECONNRESET, ENOTFOUND, UND_ERR_SOCKET,
   * HPE_INVALID_CONSTANT…): what health and logs name, as operators know those codes.
   */
  readonly detail: string | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; detail?: string }) {
    super(code, message, options);
    this.detail = options?.detail;
  }
}

/** The server answered, but not with something usable: HTTP status, too big, wrong type, redirect loop. */
export class ResponseError extends OnairError {
  readonly status: number | undefined;
  constructor(code: ErrorCode, message: string, status?: number) {
    super(code, message);
    this.status = status;
  }
}

/** The bytes arrived but do not parse as the station's format (garbage, hostile XML, missing mount). */
export class ParseError extends OnairError {
  constructor(message: string, options?: { cause?: unknown }, code: 'ONAIR_PARSE' | 'ONAIR_MOUNT_ABSENT' = 'ONAIR_PARSE') {
    super(code, message, options);
  }
}

/**
 * The status page answers, but the station's mount is not in it: its source disconnected (off air), or the
 * mount is misspelt. Policy `absent`: the pipeline ends the song only once the mount has stayed away a while;
 * a misspelt mount stays in the station's health as this error.
 */
export class MountAbsentError extends ParseError {
  constructor(message: string) {
    super(message, undefined, 'ONAIR_MOUNT_ABSENT');
  }
}

/** stations.json or a command line is wrong; names the file, station and field. */
export class ConfigError extends OnairError {
  constructor(message: string, code: 'ONAIR_CONFIG' | 'ONAIR_BAD_URL' = 'ONAIR_CONFIG') {
    super(code, message);
  }
}

/** What a thrown value comes to: the one reading that health, logs and policies are taken from. */
export interface Fault {
  /** The catalogue's code: ONAIR_BUG for anything that is not an OnairError. */
  code: ErrorCode;
  /** The code health and logs name: a NetworkError's system code (ECONNRESET…), else `code`. */
  reported: string;
  /** Short, one line, no stack, no credentials (the thrower's job). */
  message: string;
  policy: ErrorPolicy;
  /** Not an OnairError: log it with its stack. */
  bug: boolean;
  /** `reported: message`, the station's health line. */
  health: string;
}

export function classify(err: unknown): Fault {
  if (err instanceof OnairError) {
    const reported = (err instanceof NetworkError && err.detail) || err.code;
    return { code: err.code, reported, message: err.message, policy: err.policy, bug: false, health: `${reported}: ${err.message}` };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: 'ONAIR_BUG', reported: 'ONAIR_BUG', message, policy: ERRORS.ONAIR_BUG.policy, bug: true, health: `ONAIR_BUG: ${message}` };
}

/** Disable and stop: the policies under which a station is never polled again until its entry changes. */
export function isFinal(policy: ErrorPolicy): boolean {
  return policy === 'disable' || policy === 'stop';
}
