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
  /** The fetch of the current round; settled or in flight. */
  round: Promise<FeedDocument> | undefined;
  roundAt: number;
  pending: boolean;
  etag: string | undefined;
  lastModified: string | undefined;
  lastDoc: unknown;
  hasDoc: boolean;
}

export class FeedCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /**
   * The decoded document at `url`: joins a fetch in flight or reuses one younger than maxAgeMs (stations
   * sharing a URL are due at the same moment, so one fetch serves the round), else fetches anew.
   */
  get(url: string, decode: FeedReader['decode'], opts: { maxAgeMs: number; signal: AbortSignal; userAgent?: string; charset?: string }): Promise<FeedDocument> {
    let entry = this.entries.get(url);
    if (!entry) {
      entry = { round: undefined, roundAt: 0, pending: false, etag: undefined, lastModified: undefined, lastDoc: undefined, hasDoc: false };
      this.entries.set(url, entry);
    }
    if (entry.round && (entry.pending || this.clock.now() - entry.roundAt < opts.maxAgeMs)) return entry.round;
    const e = entry;
    e.roundAt = this.clock.now();
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
    for (const url of this.entries.keys()) if (!urls.has(url)) this.entries.delete(url);
  }
}
