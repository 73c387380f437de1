// Builds Ogg pages (with a correct CRC) and the header packets of Vorbis, Opus and FLAC-in-Ogg, so tests
// and the local ICY server can play chained Ogg tracks without real encoders.

export type OggCodec = 'vorbis' | 'opus' | 'flac';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Continues Ogg's CRC-32 over bytes[from, to). */
export function oggCrcUpdate(crc: number, bytes: Uint8Array, from = 0, to = bytes.length): number {
  for (let i = from; i < to; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

/** Ogg's CRC-32: polynomial 0x04c11db7, initial 0, not reflected, no final xor. */
export function oggCrc(bytes: Uint8Array): number {
  return oggCrcUpdate(0, bytes);
}

export interface PageFlags {
  serial: number;
  sequence: number;
  continued?: boolean;
  bos?: boolean;
  eos?: boolean;
  granule?: bigint;
}

/** One page: header, segment table, payload; CRC computed over the page with its CRC field zeroed. */
export function oggPage(lacing: number[], payload: Uint8Array, flags: PageFlags): Uint8Array {
  const page = new Uint8Array(27 + lacing.length + payload.length);
  const view = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53, 0]);
  page[5] = (flags.continued ? 1 : 0) | (flags.bos ? 2 : 0) | (flags.eos ? 4 : 0);
  view.setBigUint64(6, flags.granule ?? 0n, true);
  view.setUint32(14, flags.serial, true);
  view.setUint32(18, flags.sequence, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(payload, 27 + lacing.length);
  view.setUint32(22, oggCrc(page), true);
  return page;
}

/**
 * Lays packets out on pages of at most `maxSegments` lacing values, a packet continuing onto the next
 * page when it does not fit (the "continued" flag and 255-valued lacing at the page end).
 */
export function oggPages(
  packets: Uint8Array[],
  opts: { serial: number; sequence: number; maxSegments?: number; bos?: boolean; eos?: boolean },
): { pages: Uint8Array[]; sequence: number } {
  const max = opts.maxSegments ?? 255;
  const pages: Uint8Array[] = [];
  let lacing: number[] = [];
  let parts: Uint8Array[] = [];
  let continued = false;
  let sequence = opts.sequence;
  const flush = (last: boolean) => {
    const payload = Buffer.concat(parts);
    pages.push(oggPage(lacing, payload, { serial: opts.serial, sequence: sequence++, continued, bos: opts.bos && pages.length === 0, eos: opts.eos && last }));
    continued = lacing.at(-1) === 255;
    lacing = [];
    parts = [];
  };
  for (const packet of packets) {
    const values = [...Array<number>(Math.floor(packet.length / 255)).fill(255), packet.length % 255];
    let offset = 0;
    for (const v of values) {
      if (lacing.length === max) flush(false);
      lacing.push(v);
      parts.push(packet.subarray(offset, (offset += v)));
    }
  }
  flush(true);
  return { pages, sequence };
}

const text = (s: string) => Buffer.from(s, 'latin1');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** A Vorbis comment list: vendor, count, then `KEY=value` strings (UTF-8), lengths little-endian. */
export function commentList(comments: string[], vendor = 'onair test encoder'): Uint8Array {
  const parts: Uint8Array[] = [u32(Buffer.byteLength(vendor)), Buffer.from(vendor), u32(comments.length)];
  for (const c of comments) parts.push(u32(Buffer.byteLength(c)), Buffer.from(c));
  return Buffer.concat(parts);
}

/** The header packets of a track: identification, comments, and (Vorbis) setup. */
export function headerPackets(codec: OggCodec, comments: string[]): Uint8Array[] {
  const list = commentList(comments);
  switch (codec) {
    case 'vorbis':
      return [
        Buffer.concat([text('\x01vorbis'), u32(0), Buffer.from([2]), u32(44100), u32(0), u32(128000), u32(0), Buffer.from([0xb8, 1])]),
        Buffer.concat([text('\x03vorbis'), list, Buffer.from([1])]),
        Buffer.concat([text('\x05vorbis'), Buffer.alloc(300, 0x42)]),
      ];
    case 'opus':
      return [
        Buffer.concat([text('OpusHead'), Buffer.from([1, 2, 0x38, 0x01]), u32(48000), Buffer.from([0, 0, 0])]),
        Buffer.concat([text('OpusTags'), list]),
      ];
    case 'flac': {
      const streaminfo = Buffer.concat([Buffer.from([0x00, 0, 0, 34]), Buffer.alloc(34, 0x11)]);
      const comment = Buffer.concat([Buffer.from([0x84, (list.length >> 16) & 0xff, (list.length >> 8) & 0xff, list.length & 0xff]), list]);
      return [Buffer.concat([text('\x7fFLAC'), Buffer.from([1, 0, 0, 1]), text('fLaC'), streaminfo]), comment];
    }
  }
}

/** Tag strings for a track from "Artist - Title" (no " - ": title only; '' : no tags). */
export function trackComments(title: string): string[] {
  if (title === '') return [];
  const at = title.indexOf(' - ');
  return at < 0 ? [`TITLE=${title}`] : [`ARTIST=${title.slice(0, at)}`, `TITLE=${title.slice(at + 3)}`];
}

/**
 * One logical stream of a chained Ogg radio stream: header pages at the start of each track, audio
 * pages in between, an EOS page before the next track's new serial.
 */
export class OggTrackWriter {
  private serial: number;
  private sequence = 0;

  constructor(
    private readonly codec: OggCodec,
    private readonly maxSegments = 255,
    firstSerial = 0x1000,
  ) {
    this.serial = firstSerial;
  }

  /** BOS page with the identification header alone (as the Vorbis spec asks), then the other headers. */
  headers(comments: string[]): Uint8Array {
    const [ident, ...rest] = headerPackets(this.codec, comments);
    const bos = oggPages([ident!], { serial: this.serial, sequence: 0, bos: true });
    const more = oggPages(rest, { serial: this.serial, sequence: bos.sequence, maxSegments: this.maxSegments });
    this.sequence = more.sequence;
    return Buffer.concat([...bos.pages, ...more.pages]);
  }

  /** An audio page of `size` bytes; its payload holds "OggS" on purpose, which a reader must not take for a page. */
  audio(size = 1000): Uint8Array {
    const packet = Buffer.alloc(size, 'OggS\x01vorbis\x03vorbis');
    return Buffer.concat(oggPages([packet], { serial: this.serial, sequence: this.sequence++ }).pages);
  }

  /** Ends this track (EOS) and starts the next one with a new serial. */
  next(comments: string[]): Uint8Array {
    const end = oggPages([Buffer.alloc(10)], { serial: this.serial, sequence: this.sequence++, eos: true }).pages;
    this.serial++;
    return Buffer.concat([...end, this.headers(comments)]);
  }
}
