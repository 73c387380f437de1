import { normalizeNowPlaying } from '../../src/parse/normalize.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ICY_MAX_BLOCK, IcyDemuxer, parseStreamTitle } from '../../src/codec/icy.ts';
import { icyFrame } from '../helpers/icy-server.ts';

const bytes = (s: string, encoding: BufferEncoding = 'utf8') => new Uint8Array(Buffer.from(s, encoding));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A stream of frames: metaint audio bytes, then each title's block (null: L = 0). */
function stream(metaint: number, titles: (string | null)[]): Uint8Array {
  return Buffer.concat(titles.map((t) => icyFrame(metaint, t)));
}

/** Feeds the stream cut at the given offsets and collects the titles. */
function titlesOf(metaint: number, data: Uint8Array, cuts: number[] = []): (string | null)[] {
  const demuxer = new IcyDemuxer(metaint);
  const out: (string | null)[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length]) {
    for (const block of demuxer.push(data.subarray(at, cut))) out.push(parseStreamTitle(block));
    at = cut;
  }
  expect(demuxer.bytesSeen).toBe(data.length);
  return out;
}

describe('IcyDemuxer', () => {
  it.each([1, 100, 8192, 16000])('finds every block with metaint %i, skipping audio that looks like metadata', (metaint) => {
    const data = stream(metaint, ['One', null, 'Two', null, null, 'Three']);
    expect(titlesOf(metaint, data)).toEqual(['One', 'Two', 'Three']);
    expect(titlesOf(metaint, data, Array.from({ length: data.length }, (_, i) => i))).toEqual(['One', 'Two', 'Three']);
  });

  it('reads blocks of every length from 16 to 4080 bytes, without trailing NULs', () => {
    const demuxer = new IcyDemuxer(3);
    for (let units = 1; units <= 255; units++) {
      const body = Buffer.alloc(units * 16, 0);
      const content = 'x'.repeat(units * 16 - (units % 3));
      body.write(content, 'latin1');
      const blocks = demuxer.push(Buffer.concat([Buffer.from('aud'), Buffer.from([units]), body]));
      expect(blocks.map(text)).toEqual([content]);
    }
    expect(ICY_MAX_BLOCK).toBe(4080);
  });

  it('returns nothing for L = 0 blocks and for blocks that are all NULs', () => {
    const demuxer = new IcyDemuxer(2);
    expect(demuxer.push(Uint8Array.of(1, 2, 0, 3, 4, 1, ...new Uint8Array(16), 5, 6, 0))).toEqual([]);
  });

  it('copies metadata only: the block does not share memory with the audio chunk', () => {
    const chunk = stream(4, ['Copied']);
    const [block] = new IcyDemuxer(4).push(chunk);
    chunk.fill(0);
    expect(parseStreamTitle(block!)).toBe('Copied');
  });

  it('rejects a metaint that is not a positive integer', () => {
    expect(() => new IcyDemuxer(0)).toThrow(RangeError);
    expect(() => new IcyDemuxer(1.5)).toThrow(RangeError);
  });

  it('gives the same titles for the same stream cut at any byte boundaries (property)', () => {
    const title = fc.option(fc.string({ minLength: 0, maxLength: 60 }).filter((s) => Buffer.byteLength(s) < 4000), { nil: null });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(title, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (metaint, titles, rawCuts) => {
          const data = stream(metaint, titles);
          const whole = titlesOf(metaint, data);
          const cuts = rawCuts.map((c) => c % (data.length + 1));
          expect(titlesOf(metaint, data, cuts)).toEqual(whole);
          // Each non-null title comes back (empty ones as '', since StreamUrl follows).
          expect(whole).toEqual(titles.filter((t) => t !== null).map((t) => parseStreamTitle(bytes(`StreamTitle='${t}';StreamUrl='';`))));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseStreamTitle', () => {
  it.each([
    ["StreamTitle='Artist - Title';", 'Artist - Title'],
    ["StreamTitle='Artist - Title';StreamUrl='http://x/';", 'Artist - Title'],
    ["StreamTitle='Guns N' Roses - Sweet Child O' Mine';StreamUrl='';", "Guns N' Roses - Sweet Child O' Mine"],
    ["StreamTitle='Say 'Hi'; Bye';StreamUrl='';", "Say 'Hi'; Bye"],
    ["StreamTitle='Say 'Hi'; Bye';", "Say 'Hi'; Bye"],
    ["StreamTitle='He said \"Hi\"; ok';", 'He said "Hi"; ok'],
    ["StreamTitle='a=b; c='d' - e';StreamUrl='';", "a=b; c='d' - e"],
    ["StreamTitle='Missing semicolon'", 'Missing semicolon'],
    ["StreamTitle='No closing quote", 'No closing quote'],
    ["StreamTitle='Trailing';  ", 'Trailing'],
    ["StreamUrl='http://x/';StreamTitle='Second key';", 'Second key'],
  ])('reads %s', (block, title) => {
    expect(parseStreamTitle(bytes(block))).toBe(title);
  });

  it('reads an empty title as empty, not as the rest of the block', () => {
    expect(parseStreamTitle(bytes("StreamTitle='';"))).toBe('');
    expect(parseStreamTitle(bytes("StreamTitle='';StreamUrl='';"))).toBe('');
    expect(parseStreamTitle(bytes("StreamTitle='"))).toBe('');
  });

  it('returns null for a block without StreamTitle', () => {
    expect(parseStreamTitle(bytes("StreamUrl='http://x/';"))).toBeNull();
    expect(parseStreamTitle(new Uint8Array(0))).toBeNull();
  });

  it('decodes UTF-8 and Latin-1, leaving numeric references for normalisation to decode once', () => {
    expect(parseStreamTitle(bytes("StreamTitle='Mötley Crüe - Café 坂本';"))).toBe('Mötley Crüe - Café 坂本');
    expect(parseStreamTitle(bytes("StreamTitle='Mötley Crüe - Café';", 'latin1'))).toBe('Mötley Crüe - Café');
    const title = parseStreamTitle(bytes("StreamTitle='Ryuichi &#22338;&#26412; &#8211; Merry &#x263A;';"))!;
    expect(title).toBe('Ryuichi &#22338;&#26412; &#8211; Merry &#x263A;');
    expect(normalizeNowPlaying({ raw: title, artist: null, title: null })?.raw).toBe('Ryuichi 坂本 – Merry ☺');
  });

  it('uses the charset override when the station declares one', () => {
    expect(parseStreamTitle(bytes("StreamTitle='\xc3\xa9';", 'latin1'), 'windows-1252')).toBe('Ã©');
  });

  it('takes the bytes of the title only, so a broken StreamUrl does not spoil its charset', () => {
    const block = Buffer.concat([bytes("StreamTitle='Café';StreamUrl='"), Uint8Array.of(0xff), bytes("';")]);
    expect(parseStreamTitle(block)).toBe('Café');
  });
});
