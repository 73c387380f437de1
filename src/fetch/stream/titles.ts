// From stream bytes to titles: picks ICY or Ogg from the head (or the first bytes), and holds back the
// stale titles that Icecast's connect burst replays. Pure apart from the OnairError it throws.
import { IcyDemuxer, parseStreamTitle } from '../../codec/icy.ts';
import { isOggStart, OggTagReader, type OggTags } from '../../codec/ogg.ts';
import { OnairError } from '../../errors.ts';
import type { NowPlaying } from '../../types.ts';
import { metaint, type StreamHead } from './head.ts';

/** Stream bytes in, the titles they complete out. */
export interface TitleSource {
  push(chunk: Uint8Array): NowPlaying[];
}

export function noMetadata(what: string): OnairError {
  return new OnairError('ONAIR_NO_METADATA', `${what} carries no in-stream metadata (no icy-metaint, not Ogg)`);
}

/** ICY when the head has `icy-metaint`, Ogg when its content type or first bytes say so; else throws ONAIR_NO_METADATA. */
export function titleSource(head: StreamHead, where: string, charset?: string): TitleSource {
  const interval = metaint(head);
  if (interval !== null) return icyTitles(interval, charset);
  const type = head.headers.get('content-type')?.toLowerCase() ?? '';
  if (/ogg|opus|vorbis/.test(type)) return oggTitles();
  if (type && !type.startsWith('application/octet-stream')) throw noMetadata(where);
  return sniffOgg(where);
}

function icyTitles(interval: number, charset?: string): TitleSource {
  const demuxer = new IcyDemuxer(interval);
  return {
    push(chunk) {
      const out: NowPlaying[] = [];
      for (const block of demuxer.push(chunk)) {
        const raw = parseStreamTitle(block, charset);
        // Splitting "Artist - Title" is normalisation's job, not the reader's.
        if (raw !== null) out.push({ raw, artist: null, title: null });
      }
      return out;
    },
  };
}

function oggTitles(): TitleSource {
  const reader = new OggTagReader();
  return { push: (chunk) => reader.push(chunk).map(oggNowPlaying) };
}

export function oggNowPlaying(tags: OggTags): NowPlaying {
  const raw = tags.artist !== null && tags.title !== null ? `${tags.artist} - ${tags.title}` : (tags.title ?? tags.artist ?? '');
  return { raw, artist: tags.artist, title: tags.title };
}

/** No content type, no metaint: Ogg if the body starts with "OggS". */
function sniffOgg(where: string): TitleSource {
  let seen = new Uint8Array(0);
  let inner: TitleSource | null = null;
  return {
    push(chunk) {
      if (inner) return inner.push(chunk);
      seen = Buffer.concat([seen, chunk]);
      if (seen.length < 4) return [];
      if (!isOggStart(seen)) throw noMetadata(where);
      inner = oggTitles();
      return inner.push(seen);
    },
  };
}

/**
 * On connect Icecast sends ~64 KiB of buffered audio at once, and its metadata replays the last few
 * titles: the first one seen can be stale. The gate holds titles back until the burst is over — at
 * least `burstBytes` read, or the socket paused — then lets through the newest, and everything after.
 */
export class BurstGate {
  private held: NowPlaying | null = null;
  private bytes = 0;
  open = false;

  constructor(private readonly burstBytes: number) {}

  /** A chunk of `length` bytes brought these titles; returns those to report. */
  chunk(length: number, titles: NowPlaying[]): NowPlaying[] {
    this.bytes += length;
    if (this.open) return titles;
    this.held = titles.at(-1) ?? this.held;
    return this.bytes >= this.burstBytes && this.held ? this.release() : [];
  }

  /**
   * The socket paused or ended: whatever arrived was the burst. A pause before any title is not the end
   * of the burst: Icecast pauses between its head and the burst, whose first blocks are the stalest.
   */
  pause(): NowPlaying[] {
    return this.open || this.held === null ? [] : this.release();
  }

  private release(): NowPlaying[] {
    this.open = true;
    const newest = this.held;
    this.held = null;
    return newest ? [newest] : [];
  }
}
