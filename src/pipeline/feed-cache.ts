// One fetch per feed URL per round, shared by every station that reads it (an Icecast status page lists all
// its mounts). Also remembers ETag / Last-Modified per URL, so an unchanged feed costs a 304 and no parse.
import type { Clock } from '../clock.ts';
import type { HttpClient } from '../fetch/http.ts';
import type { FeedReader } from '../parse/index.ts';

export interface FeedDocument {
  doc: unknown;
  /** The server answered 304: doc is the one decoded last time. */
  notModified: boolean;
}

interface Entry {
  url: string;
  /** The fetch of the current round; settled or in flight. */
  round: Promise<FeedDocument> | undefined;
  roundAt: number;
  /** When the poll that started it was due. */
  roundDue: number;
  pending: boolean;
  etag: string | undefined;
  lastModified: string | undefined;
  lastDoc: unknown;
  hasDoc: boolean;
}

/** A small number per decoder, so a cache key is a short string. */
const decoderKeys = new WeakMap<FeedReader['decode'], number>();
let decoders = 0;
function keyOf(decode: FeedReader['decode']): number {
  let key = decoderKeys.get(decode);
  if (key === undefined) decoderKeys.set(decode, (key = ++decoders));
  return key;
}

export class FeedCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /**
   * The decoded document at `url` for a poll due at `dueAt`: joins a fetch in flight, or reuses one younger
   * than maxAgeMs (stations sharing a URL are due at the same moment, so one fetch serves the round), or one
   * started for a poll due no earlier than this one, however long ago: a poll that waited in a backlog is
   * still served by its round's fetch, which began after it fell due. Else fetches anew. (Measured from now
   * alone, a backlog had each station of a multi-mount page fetch it again, which kept a crawler behind.)
   */
  get(url: string, decode: FeedReader['decode'], opts: { dueAt: number; maxAgeMs: number; signal: AbortSignal; userAgent?: string; charset?: string }): Promise<FeedDocument> {
    // Keyed by what decodes it too: two stations that read one URL as different formats (or charsets) must
    // not be handed each other's document.
    const key = `${url}\n${keyOf(decode)}\n${opts.charset ?? ''}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { url, round: undefined, roundAt: 0, roundDue: 0, pending: false, etag: undefined, lastModified: undefined, lastDoc: undefined, hasDoc: false };
      this.entries.set(key, entry);
    }
    const now = this.clock.now();
    if (entry.round && (entry.pending || entry.roundDue >= opts.dueAt || now - entry.roundAt < opts.maxAgeMs)) return entry.round;
    const e = entry;
    e.roundAt = now;
    e.roundDue = opts.dueAt;
    e.pending = true;
    e.round = this.fetch(url, e, decode, opts).finally(() => (e.pending = false));
    return e.round;
  }

  private async fetch(url: string, e: Entry, decode: FeedReader['decode'], opts: { signal: AbortSignal; userAgent?: string; charset?: string }): Promise<FeedDocument> {
    const res = await this.http.get(url, {
      signal: opts.signal,
      etag: e.hasDoc ? e.etag : undefined,
      lastModified: e.hasDoc ? e.lastModified : undefined,
      userAgent: opts.userAgent,
    });
    if (res.status === 304 && e.hasDoc) return { doc: e.lastDoc, notModified: true };
    const doc = decode(res.body, res.contentType, opts.charset);
    e.lastDoc = doc;
    e.hasDoc = true;
    e.etag = res.etag;
    e.lastModified = res.lastModified;
    return { doc, notModified: false };
  }

  /** Forgets URLs no station reads any more. */
  retain(urls: Set<string>): void {
    for (const [key, e] of this.entries) if (!urls.has(e.url)) this.entries.delete(key);
  }
}
