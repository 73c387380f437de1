// Fuzzing what reads live streams: the ICY demultiplexer and StreamTitle parser, the Ogg tag reader, the
// response head parser and the playlist parser. Random and mutated input gives a value or an OnairError,
// never anything else, in bounded time; and the framers give the same result however the bytes are cut.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IcyDemuxer, parseStreamTitle } from '../../src/codec/icy.ts';
import { OggTagReader, vorbisComments } from '../../src/codec/ogg.ts';
import { isPlaylist, parsePlaylist } from '../../src/codec/playlist.ts';
import { parseHead } from '../../src/fetch/stream/head.ts';
import { titleSource } from '../../src/fetch/stream/titles.ts';
import { icyFrame } from '../helpers/icy-server.ts';
import { OggTrackWriter, trackComments, type OggCodec } from '../helpers/ogg-pages.ts';
import { mutated, outcome, params, tally, RUNS } from './fuzz.ts';

/** Splits bytes at the given cut points (taken modulo the length). */
function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A real-shaped ICY stream: frames of audio and metadata blocks with awkward titles. */
const icyStream = fc
  .tuple(
    fc.integer({ min: 1, max: 400 }),
    fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => Buffer.byteLength(s) < 4000), { nil: null }), { maxLength: 6 }),
  )
  .map(([metaint, titles]) => ({ metaint, bytes: new Uint8Array(Buffer.concat(titles.map((t) => icyFrame(metaint, t)))) }));

const oggStream = fc
  .tuple(fc.constantFrom<OggCodec>('vorbis', 'opus', 'flac'), fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 255 }))
  .map(([codec, titles, maxSegments]) => {
    const w = new OggTrackWriter(codec, maxSegments);
    const parts = [w.headers(trackComments(titles[0]!)), w.audio(300)];
    for (const t of titles.slice(1)) parts.push(w.next(trackComments(t)), w.audio(300));
    return new Uint8Array(Buffer.concat(parts));
  });

afterAll(() => {
  console.log(`fuzz (streams): ${tally.cases} cases (${RUNS} per property)`);
});

describe('the ICY demultiplexer and StreamTitle', () => {
  it('any bytes at any metaint give blocks (or nothing), never a throw, and the same blocks however cut', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 4096 }), icyStream.map((s) => s.bytes), icyStream.chain((s) => mutated([s.bytes])));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), bytes, fc.array(fc.nat(), { maxLength: 12 }), (metaint, stream, cuts) => {
        const whole = outcome(() => new IcyDemuxer(metaint).push(stream));
        expect(whole.kind).toBe('value');
        const demuxer = new IcyDemuxer(metaint);
        const pieces = cutAt(stream, cuts).flatMap((c) => demuxer.push(c));
        expect(pieces.map(text)).toEqual(whole.kind === 'value' ? whole.value.map(text) : []);
        for (const block of pieces) {
          expect(block.length).toBeLessThanOrEqual(255 * 16);
          const title = outcome(() => parseStreamTitle(block));
          expect(title.kind).toBe('value');
          if (title.kind === 'value' && title.value !== null) expect(typeof title.value).toBe('string');
        }
      }),
      params(),
    );
  });

  it('reads back every title a real-shaped stream carries, whole, whatever it holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (metaint, titles, cuts) => {
        fc.pre(titles.every((t) => !t.includes('\u0000') && t.trim() === t && !/';[A-Za-z]+='/.test(t) && !t.endsWith("'")));
        const stream = new Uint8Array(Buffer.concat(titles.map((t) => icyFrame(metaint, t))));
        const source = titleSource({ status: 200, style: 'http', headers: new Map([['icy-metaint', String(metaint)]]), length: 0 }, 'x');
        const seen = cutAt(stream, cuts).flatMap((c) => source.push(c).map((np) => np.raw));
        expect(seen).toEqual(titles);
      }),
      params(),
    );
  });

  it('StreamTitle of any block, in any charset label, is a string, null or a typed error', () => {
    const label = fc.constantFrom(undefined, 'utf-8', 'windows-1252', 'iso-8859-1', 'shift_jis', 'x-no-such-charset', '');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4080 }), fc.string({ unit: 'binary', maxLength: 300 }).map((s) => new Uint8Array(Buffer.from(`StreamTitle='${s}';`)))), label, (block, charset) => {
        const r = outcome(() => parseStreamTitle(block, charset || undefined));
        if (r.kind === 'value') expect(r.value === null || typeof r.value === 'string').toBe(true);
      }),
      params(),
    );
  });
});

describe('the Ogg tag reader', () => {
  it('any bytes or a damaged Ogg stream give tags (or none), never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4096 }), oggStream, oggStream.chain((b) => mutated([b]))), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const reader = new OggTagReader();
        for (const chunk of cutAt(bytes, cuts)) {
          const r = outcome(() => reader.push(chunk));
          expect(r.kind).toBe('value');
          if (r.kind === 'value') for (const t of r.value) expect(t.artist === null || typeof t.artist === 'string').toBe(true);
        }
      }),
      params(),
    );
  });

  it('gives the same tags for a stream however it is cut', () => {
    fc.assert(
      fc.property(oggStream, fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
        const whole = new OggTagReader().push(bytes);
        const reader = new OggTagReader();
        expect(cutAt(bytes, cuts).flatMap((c) => reader.push(c))).toEqual(whole);
      }),
      params(),
    );
  });

  it('a comment list of any bytes at any offset reads without a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat({ max: 600 }), (packet, offset) => {
        expect(outcome(() => vorbisComments(packet, offset)).kind).toBe('value');
      }),
      params(),
    );
  });
});

describe('response heads and playlists', () => {
  const heads = [
    'HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 16000\r\nicy-name: Caf\xc3\xa9\r\n\r\n\xff\xfb',
    'ICY 200 OK\r\nicy-metaint:8192\r\nicy-br:128\r\n\r\n',
    'icy-metaint: 100\ncontent-type: application/ogg\n\nOggS',
    'HTTP/1.1 302 Found\r\nLocation: http://x/y\r\n\r\n',
  ].map((h) => new Uint8Array(Buffer.from(h, 'latin1')));

  it('parseHead takes any bytes to a head, "need more", or a ResponseError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutated(heads)), fc.boolean(), (bytes, ended) => {
        const r = outcome(() => parseHead(bytes, ended));
        if (r.kind === 'value' && r.value !== null) {
          expect(Number.isInteger(r.value.status)).toBe(true);
          expect(r.value.length).toBeLessThanOrEqual(bytes.length);
        }
      }),
      params(),
    );
  });

  const playlists = [
    '[playlist]\nNumberOfEntries=2\nFile1=http://a.example/stream\nTitle1=A\nFile2=https://b.example:8000/live\nVersion=2\n',
    '#EXTM3U\n#EXTINF:-1,Radio\nhttp://a.example/stream.mp3\nfile:///etc/passwd\n/relative/path\njavascript:alert(1)\n',
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nchunk.m3u8\n',
  ].map((p) => new Uint8Array(Buffer.from(p)));

  it('parsePlaylist gives only absolute http(s) URLs, whatever the text', () => {
    const type = fc.constantFrom(undefined, 'audio/x-scpls', 'audio/x-mpegurl', 'application/vnd.apple.mpegurl', 'text/plain', 'audio/mpeg');
    const base = fc.constantFrom(undefined, 'http://radio.example/listen.pls', 'https://x.example/a/b.m3u');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), mutated(playlists).map((b) => Buffer.from(b).toString('latin1'))), type, base, (body, contentType, url) => {
        const r = outcome(() => parsePlaylist(body, contentType, url));
        expect(r.kind).toBe('value');
        for (const u of r.kind === 'value' ? r.value : []) expect(new URL(u).protocol).toMatch(/^https?:$/);
        expect(typeof isPlaylist(url ?? 'http://x/', contentType)).toBe('boolean');
      }),
      params(),
    );
  });

  it('isPlaylist never throws on any URL text or content type', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (url, type) => {
        expect(typeof outcome(() => isPlaylist(url, type))).toBe('object');
      }),
      params(),
    );
  });
});
