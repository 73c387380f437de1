// Opens a station stream: writes the GET request by hand, reads the head, follows redirects and
// playlists, and hands back the socket positioned at the first audio byte. Does not read titles.
import { DEFAULTS } from '../../config.ts';
import { isPlaylist, parsePlaylist } from '../../codec/playlist.ts';
import { decodeBytes } from '../../codec/text.ts';
import { OnairError, ResponseError } from '../../errors.ts';
import { basicAuth, describeUrl, parseHttpUrl, redirectTarget } from '../../url.ts';
import { parseHead, stationHeaders, type StationHeaders, type StreamHead } from './head.ts';
import { Wire, type ByteMeter } from './wire.ts';

export const MAX_REDIRECTS = 5;
/** A playlist is a few lines; anything bigger is a stream or garbage. */
export const MAX_PLAYLIST_BYTES = 64 * 1024;
/** Playlist entries tried before giving up (they usually name mirrors of one stream). */
const MAX_PLAYLIST_ENTRIES = 5;


export interface ConnectOptions {
  signal?: AbortSignal;
  /** DNS + TCP + TLS, default 5 s. */
  connectTimeoutMs?: number;
  /** From the request to the end of the response head, default 10 s. */
  firstByteTimeoutMs?: number;
  userAgent?: string;
  /** Counts the bytes of every connection made, redirects and playlists included. */
  meter?: ByteMeter;
}

export interface StreamConnection {
  wire: Wire;
  /** The URL that answered with the stream, after redirects and playlists. */
  url: URL;
  head: StreamHead;
  headers: StationHeaders;
  /** Stream bytes that arrived together with the head. */
  body: Uint8Array;
}

type Resolved = Required<Omit<ConnectOptions, 'signal'>> & { signal?: AbortSignal };

/**
 * Connects to a stream URL (http/https, else ONAIR_BAD_URL; credentials in the URL become basic auth). The
 * caller destroys the wire.
 */
export async function openStream(url: string | URL, opts: ConnectOptions = {}): Promise<StreamConnection> {
  return open(parseHttpUrl(url), {
    signal: opts.signal,
    // The crawler passes its --http deadlines; the defaults are the feed client's, from the one table.
    connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULTS.http.connectTimeoutMs,
    firstByteTimeoutMs: opts.firstByteTimeoutMs ?? DEFAULTS.http.headersTimeoutMs,
    userAgent: opts.userAgent ?? DEFAULTS.http.userAgent,
    meter: opts.meter ?? { bytes: 0 },
  }, 0);
}

async function open(url: URL, opts: Resolved, hops: number): Promise<StreamConnection> {
  for (;;) {
    const wire = await Wire.connect(url, opts);
    let handedOver = false;
    try {
      wire.write(requestHead(url, opts.userAgent));
      const { head, body } = await readHead(wire, opts.firstByteTimeoutMs);
      const location = head.headers.get('location');
      if (head.status >= 300 && head.status < 400 && location) {
        if (++hops > MAX_REDIRECTS) throw tooManyHops(url, head.status);
        url = redirectTarget(location, url, head.status);
        continue;
      }
      if (head.status < 200 || head.status >= 300) {
        throw new ResponseError('ONAIR_HTTP_STATUS', `${describeUrl(url)} answered ${head.status}`, head.status);
      }
      const contentType = head.headers.get('content-type');
      if (!head.headers.has('icy-metaint') && isPlaylist(url, contentType)) {
        const text = await readPlaylist(wire, head, body, opts.firstByteTimeoutMs);
        wire.destroy();
        return await openFirst(parsePlaylist(text, contentType, url), url, opts, hops + 1);
      }
      handedOver = true;
      return { wire, url, head, headers: stationHeaders(head), body };
    } finally {
      if (!handedOver) wire.destroy();
    }
  }
}

/** The first playlist entry that answers; the last entry's error when none does. */
async function openFirst(urls: string[], playlist: URL, opts: Resolved, hops: number): Promise<StreamConnection> {
  if (hops > MAX_REDIRECTS) throw tooManyHops(playlist);
  if (urls.length === 0) throw new ResponseError('ONAIR_EMPTY_PLAYLIST', `playlist ${describeUrl(playlist)} names no http(s) stream`);
  let lastError: unknown;
  for (const url of urls.slice(0, MAX_PLAYLIST_ENTRIES)) {
    try {
      return await open(new URL(url), opts, hops);
    } catch (err) {
      if (opts.signal?.aborted || !(err instanceof OnairError)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * HTTP/1.0 so no server answers with chunked encoding; `Icy-MetaData: 1` or there is no metadata.
 * A non-browser User-Agent on purpose: SHOUTcast v1 then serves the stream, not its HTML page.
 */
export function requestHead(url: URL, userAgent: string): string {
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.0`,
    `Host: ${url.host}`,
    `User-Agent: ${userAgent}`,
    'Accept: */*',
    'Icy-MetaData: 1',
    'Connection: close',
  ];
  const auth = basicAuth(url);
  if (auth) lines.push(`Authorization: ${auth}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

async function readHead(wire: Wire, timeoutMs: number): Promise<{ head: StreamHead; body: Uint8Array }> {
  const cancel = wire.deadline(timeoutMs, 'ONAIR_FIRST_BYTE_TIMEOUT', 'response');
  try {
    let bytes: Uint8Array = new Uint8Array(0);
    for (;;) {
      const chunk = (await wire.read()) as Uint8Array | null;
      if (chunk) bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
      const head = parseHead(bytes, chunk === null);
      if (head) return { head, body: bytes.subarray(head.length) };
    }
  } finally {
    cancel();
  }
}

async function readPlaylist(wire: Wire, head: StreamHead, first: Uint8Array, timeoutMs: number): Promise<string> {
  const declared = Number(head.headers.get('content-length'));
  const expected = Number.isSafeInteger(declared) && declared >= 0 ? declared : Infinity;
  wire.setIdle(timeoutMs);
  const parts = [first];
  let size = first.length;
  while (size < expected) {
    if (size > MAX_PLAYLIST_BYTES) {
      throw new ResponseError('ONAIR_TOO_LARGE', `playlist bigger than ${MAX_PLAYLIST_BYTES} bytes`);
    }
    const chunk = (await wire.read()) as Uint8Array | null;
    if (!chunk) break;
    parts.push(chunk);
    size += chunk.length;
  }
  return decodeBytes(Buffer.concat(parts).subarray(0, Math.min(size, expected)));
}

function tooManyHops(url: URL, status?: number): ResponseError {
  return new ResponseError('ONAIR_TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects or playlists, last at ${describeUrl(url)}`, status);
}
