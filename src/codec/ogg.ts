// Ogg streams carry no ICY metadata: each chained track starts with codec headers, and its tags live in
// the comment header (Vorbis type 3, Opus `OpusTags`, FLAC metadata block type 4). Pure and incremental:
// audio payloads are skipped as they stream past; only header packets are copied.

/** The tags of one chained track. */
export interface OggTags {
  artist: string | null;
  title: string | null;
}

/** Comment packets bigger than this (cover art in METADATA_BLOCK_PICTURE) are skipped, not buffered. */
export const OGG_MAX_COMMENT_PACKET = 64 * 1024;

const PAGE_HEADER = 27;
const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
/** Packets read from the start of a logical stream before it is known to be audio. */
const IDENT_BYTES = 16;
/** Logical streams followed at once; a radio stream has one (chained), so more is garbage. */
const MAX_STREAMS = 8;

type Codec = 'vorbis' | 'opus' | 'flac' | 'other';

interface LogicalStream {
  codec: Codec | null;
  /** Index of the packet being read (0 = identification header). */
  packet: number;
  /** Header packets of this codec (FLAC says how many; Vorbis and Opus have their comment at 1). */
  headers: number;
  parts: Uint8Array[];
  size: number;
  /** The packet in progress is wanted (and not over the cap). */
  keep: boolean;
}

/** Incremental Ogg page reader: push bytes, get the tags of every track whose comment header completes. */
export class OggTagReader {
  bytesSeen = 0;
  private head = new Uint8Array(PAGE_HEADER + 255);
  private headFilled = 0;
  private lacing: Uint8Array | null = null;
  private segment = 0;
  private segmentLeft = 0;
  private current: LogicalStream | null = null;
  private readonly streams = new Map<number, LogicalStream>();
  private eos = false;
  private serial = 0;

  push(chunk: Uint8Array): OggTags[] {
    const out: OggTags[] = [];
    this.bytesSeen += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (!this.lacing) {
        i = this.readHeader(chunk, i);
        continue;
      }
      if (this.segmentLeft > 0) {
        const n = Math.min(this.segmentLeft, chunk.length - i);
        if (this.current?.keep) this.collect(this.current, chunk.subarray(i, i + n));
        this.segmentLeft -= n;
        i += n;
      }
      if (this.segmentLeft === 0) this.endSegment(out);
    }
    return out;
  }

  /** Reads page header bytes; resynchronises on "OggS" after garbage. Returns the new chunk offset. */
  private readHeader(chunk: Uint8Array, i: number): number {
    while (i < chunk.length) {
      const b = chunk[i++]!;
      if (this.headFilled < 4 && b !== CAPTURE[this.headFilled]) {
        this.headFilled = b === CAPTURE[0] ? 1 : 0;
        continue;
      }
      this.head[this.headFilled++] = b;
      if (this.headFilled < PAGE_HEADER) continue;
      const segments = this.head[26]!;
      if (this.headFilled < PAGE_HEADER + segments) continue;
      this.startPage(segments);
      return i;
    }
    return i;
  }

  private startPage(segments: number): void {
    const h = this.head;
    const flags = h[5]!;
    this.serial = (h[14]! | (h[15]! << 8) | (h[16]! << 16) | (h[17]! << 24)) >>> 0;
    this.eos = (flags & FLAG_EOS) !== 0;
    this.lacing = h.slice(PAGE_HEADER, PAGE_HEADER + segments);
    this.headFilled = 0;
    this.segment = -1;
    this.segmentLeft = 0;
    if (flags & FLAG_BOS) {
      if (this.streams.size >= MAX_STREAMS) this.streams.clear();
      this.streams.set(this.serial, { codec: null, packet: 0, headers: 1, parts: [], size: 0, keep: true });
    }
    // A stream joined mid-track (its BOS page was sent before we connected) is audio only: skipped.
    this.current = this.streams.get(this.serial) ?? null;
  }

  /** A segment finished (or the page has none left to start): close packets, move to the next segment. */
  private endSegment(out: OggTags[]): void {
    const lacing = this.lacing!;
    const s = this.current;
    if (this.segment >= 0 && s && lacing[this.segment]! < 255) this.endPacket(s, out);
    this.segment++;
    if (this.segment >= lacing.length) {
      if (this.eos) this.streams.delete(this.serial);
      this.lacing = null;
      return;
    }
    this.segmentLeft = lacing[this.segment]!;
    // A zero-length segment ends a packet with no bytes to wait for.
    if (this.segmentLeft === 0) this.endSegment(out);
  }

  private collect(s: LogicalStream, bytes: Uint8Array): void {
    const cap = s.packet === 0 ? IDENT_BYTES : OGG_MAX_COMMENT_PACKET;
    const room = cap - s.size;
    if (s.packet === 0) {
      if (room > 0) s.parts.push(bytes.slice(0, room));
    } else if (bytes.length > room) {
      s.keep = false;
      s.parts = [];
    } else s.parts.push(bytes.slice());
    s.size += bytes.length;
  }

  private endPacket(s: LogicalStream, out: OggTags[]): void {
    const packet = s.keep ? Buffer.concat(s.parts) : null;
    const index = s.packet++;
    s.parts = [];
    s.size = 0;
    if (index === 0 && packet) identify(s, packet);
    else if (packet) {
      const tags = commentTags(s.codec, packet);
      if (tags) out.push(tags);
    }
    s.keep = s.codec !== 'other' && s.packet < s.headers;
  }
}

function identify(s: LogicalStream, packet: Uint8Array): void {
  if (startsWith(packet, [0x01, ...ascii('vorbis')])) s.codec = 'vorbis';
  else if (startsWith(packet, ascii('OpusHead'))) s.codec = 'opus';
  else if (startsWith(packet, [0x7f, ...ascii('FLAC')])) s.codec = 'flac';
  else s.codec = 'other';
  // FLAC-in-Ogg: bytes 7–8 count the metadata header packets that follow (0 = unknown: try a few).
  s.headers = s.codec === 'flac' ? 1 + (((packet[7]! << 8) | packet[8]!) || 8) : 2;
}

/** Tags from a comment header packet, or null when the packet is not one. */
function commentTags(codec: Codec | null, packet: Uint8Array): OggTags | null {
  if (codec === 'vorbis' && startsWith(packet, [0x03, ...ascii('vorbis')])) return vorbisComments(packet, 7);
  if (codec === 'opus' && startsWith(packet, ascii('OpusTags'))) return vorbisComments(packet, 8);
  if (codec === 'flac' && (packet[0]! & 0x7f) === 4) return vorbisComments(packet, 4);
  return null;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Reads a Vorbis comment list (vendor string, count, `KEY=value` strings; lengths little-endian)
 * starting at `offset`. Keys are case-insensitive; the first ARTIST and TITLE win. Truncated lists
 * give what was read.
 */
export function vorbisComments(packet: Uint8Array, offset = 0): OggTags {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const tags: OggTags = { artist: null, title: null };
  let at = offset;
  const u32 = () => (at + 4 <= view.byteLength ? view.getUint32((at += 4) - 4, true) : -1);
  const vendor = u32();
  if (vendor < 0 || at + vendor > packet.length) return tags;
  at += vendor;
  const count = u32();
  for (let n = 0; n < count; n++) {
    const length = u32();
    if (length < 0 || at + length > packet.length) break;
    const comment = utf8.decode(packet.subarray(at, (at += length)));
    const eq = comment.indexOf('=');
    if (eq < 0) continue;
    const key = comment.slice(0, eq).toUpperCase();
    if (key === 'ARTIST') tags.artist ??= comment.slice(eq + 1);
    else if (key === 'TITLE') tags.title ??= comment.slice(eq + 1);
  }
  return tags;
}

/** True when the bytes start with an Ogg page's capture pattern "OggS". */
export function isOggStart(bytes: Uint8Array): boolean {
  return startsWith(bytes, CAPTURE);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

