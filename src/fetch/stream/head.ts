// The response head of a station stream, parsed by hand: SHOUTcast v1 answers `ICY 200 OK`, which every
// Node HTTP parser rejects (HPE_INVALID_CONSTANT), and some servers send headers with no status line, or
// audio straight away. Pure: bytes in, a parsed head out.
import { isOggStart } from '../../codec/ogg.ts';
import { redecodeHeader } from '../../codec/text.ts';
import { ResponseError } from '../../errors.ts';

/** A head bigger than this is not a radio server talking. */
export const MAX_HEAD_BYTES = 16 * 1024;

export type StatusStyle = 'http' | 'icy' | 'none';

export interface StreamHead {
  status: number;
  style: StatusStyle;
  /** Lower-case names; first occurrence wins; values re-decoded as UTF-8 where valid. */
  headers: Map<string, string>;
  /** Bytes of the head, including its blank line (0 when audio came first). */
  length: number;
}

/** What a station says about itself in its stream's head. */
export interface StationHeaders {
  name?: string;
  genre?: string;
  /** `icy-br` as sent ("128", sometimes "128,128"). */
  bitrate?: string;
  url?: string;
  description?: string;
  contentType?: string;
}

const STATION_HEADERS: [keyof StationHeaders, string][] = [
  ['name', 'icy-name'],
  ['genre', 'icy-genre'],
  ['bitrate', 'icy-br'],
  ['url', 'icy-url'],
  ['description', 'icy-description'],
  ['contentType', 'content-type'],
];

export function stationHeaders(head: StreamHead): StationHeaders {
  const out: StationHeaders = {};
  for (const [key, name] of STATION_HEADERS) {
    const value = head.headers.get(name);
    if (value) out[key] = value;
  }
  return out;
}

/** `icy-metaint` as a positive integer, or null when absent or nonsense. */
export function metaint(head: StreamHead): number | null {
  const value = Number(head.headers.get('icy-metaint'));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

const STATUS_LINE = /^(?:HTTP\/\d+(?:\.\d+)?|ICY)[ \t]+(\d{3})(?:[ \t]|$)/i;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:/;

/**
 * Parses the head at the start of `bytes`, or returns null when more bytes are needed. `ended`: the
 * server closed, so what arrived is all there is. Throws ResponseError ONAIR_BAD_HEAD on a broken or
 * oversized head.
 */
export function parseHead(bytes: Uint8Array, ended = false): StreamHead | null {
  if (bytes.length === 0) {
    if (ended) throw new ResponseError('ONAIR_BAD_HEAD', 'the server closed the connection without a response');
    return null;
  }
  const audio: StreamHead = { status: 200, style: 'none', headers: new Map(), length: 0 };
  // Audio first (MP3/AAC frames start with 0xFF, Ogg with "OggS"): no head at all.
  if (!isLetter(bytes[0]!) || isOggStart(bytes)) return audio;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_HEAD_BYTES + 4)).toString('latin1');
  const firstLine = text.split('\n', 1)[0]!;
  if (firstLine.length === text.length && !ended) {
    if (/[\0-\x08\x0e-\x1f]/.test(firstLine)) return audio;
    if (text.length >= MAX_HEAD_BYTES) throw tooBig();
    return null;
  }
  const status = STATUS_LINE.exec(firstLine.trimEnd());
  const style: StatusStyle = status ? (firstLine[0]!.toUpperCase() === 'I' ? 'icy' : 'http') : 'none';
  if (!status) {
    if (/^(HTTP\/|ICY\b)/i.test(firstLine)) throw new ResponseError('ONAIR_BAD_HEAD', `bad status line ${JSON.stringify(firstLine.slice(0, 80))}`);
    if (!HEADER_LINE.test(firstLine)) return audio;
  }
  // The head ends at a blank line: CRLF CRLF, or LF LF from sloppy servers.
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank && !ended) {
    if (text.length >= MAX_HEAD_BYTES) throw tooBig();
    return null;
  }
  const end = blank ? blank.index + blank[0].length : text.length;
  if (end > MAX_HEAD_BYTES) throw tooBig();
  const headers = new Map<string, string>();
  // Values are cut from a string of the head alone: slices of `text`, which holds up to 16 KiB of audio
  // after the head, would keep it all alive as long as the connection (80 MB for 5,000 live streams).
  const headText = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
  for (const line of headText.slice(status ? firstLine.length + 1 : 0).split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, redecodeHeader(line.slice(colon + 1).trim()));
  }
  return { status: status ? Number(status[1]) : 200, style, headers, length: end };
}

function tooBig(): ResponseError {
  return new ResponseError('ONAIR_BAD_HEAD', `no end of the response head within ${MAX_HEAD_BYTES} bytes`);
}

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}
