// One request and its response, as both feed transports (undici's pool, node:http one-shot) hand it to the
// HTTP client, and what cancels one. The client does redirects, statuses and errors; a transport moves bytes.
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { ResponseError } from '../errors.ts';

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** Empty unless the status is 2xx. */
  body: Uint8Array;
  /** The server will close the connection after this reply (`Connection: close`, or HTTP/1.0 without keep-alive). */
  closes: boolean;
}

/** An exchange in flight that can be ended at once. */
export interface Stoppable {
  stop(reason: Error): void;
}

/** Bytes of 2xx bodies read, for the benchmark's bytes-per-change. */
export interface ByteCounter {
  bytesRead: number;
}

/** What cancels a request, from its deadline or the caller: remembers why, and ends the exchange in flight. */
export class Cancel {
  reason: Error | undefined;
  exchange: Stoppable | undefined;

  readonly expire = (): void => this.fire(new DOMException('deadline', 'TimeoutError'));
  readonly abort = (): void => this.fire(new DOMException('aborted', 'AbortError'));

  private fire(reason: Error): void {
    this.reason ??= reason;
    this.exchange?.stop(this.reason);
  }
}

export const EMPTY = new Uint8Array(0);

/** A body's chunks as one array, without a copy when there is one chunk. */
export function joinChunks(chunks: readonly Buffer[], size: number): Uint8Array {
  return chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** A body over the byte cap: by its declared length (`declared`), or as it was read past the cap. */
export function tooLarge(maxBytes: number, declared?: number | string): ResponseError {
  return new ResponseError('ONAIR_TOO_LARGE', declared === undefined ? `body is over the ${maxBytes}-byte cap` : `body of ${declared} bytes is over the ${maxBytes}-byte cap`);
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `Connection: close` among the reply's connection options. */
export function saysClose(headers: IncomingHttpHeaders): boolean {
  const v = header(headers, 'connection');
  return v !== undefined && /(?:^|,)\s*close\s*(?:,|$)/i.test(v);
}
