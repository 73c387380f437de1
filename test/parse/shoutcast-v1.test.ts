import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { SHOUTCAST_V1_USER_AGENT, shoutcastV1 } from '../../src/parse/shoutcast-v1.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const feed: FeedConfig = { url: 'http://radio.example:8000/7.html', format: 'shoutcast-v1' };
const mp3 = (text: string): NowPlaying => ({ raw: text, artist: null, title: text });

describe('shoutcast v1 /7.html', () => {
  it.each([
    ['the title is everything after the sixth comma', 'commas-in-title.html', undefined, mp3('Crosby, Stills, Nash & Young - Teach Your Children')],
    ['STREAMSTATUS 0 is nothing playing, whatever the title field says', 'stream-down.html', undefined, null],
    ['HTML entities in the title are decoded', 'entities-in-title.html', undefined, mp3('Guns N\' Roses - Sweet Child O\' Mine "Live" <1988> – ♫')],
    ['an empty title is nothing playing', 'empty-title.html', undefined, null],
    ['Latin-1 bytes are decoded as Windows-1252', 'latin1-title.html', 'text/html', mp3("Céline Dion - Pour que tu m'aimes encore · Motörhead")],
    ['audio bytes instead of the page say so', 'audio-stream.bin', undefined, /audio stream instead of the 7\.html page/],
    ['an audio content type says so, whatever the bytes', 'commas-in-title.html', 'audio/mpeg', /audio stream instead of the 7\.html page.*audio\/mpeg/],
    ['another HTML page is a ParseError', 'not-the-page.html', 'text/html', /not a SHOUTcast 7\.html page/],
    ['garbage bytes are a ParseError', '../garbage.bin', undefined, ParseError],
  ])('%s', (_name, file, contentType, expected) => {
    const result = run(shoutcastV1, fixture(`shoutcast-v1/${file}`), feed, contentType);
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else if (expected === ParseError) {
      expect(result).toBeInstanceOf(ParseError);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('exports a User-Agent the server takes for a browser', () => {
    expect(SHOUTCAST_V1_USER_AGENT).toMatch(/^Mozilla\/5\.0 /);
  });

  it('returns a value or a ParseError for any bytes', () => {
    const bodies = ['commas-in-title.html', 'latin1-title.html', 'entities-in-title.html'].map((f) => fixture(`shoutcast-v1/${f}`));
    assertOnlyParseErrors(shoutcastV1, [feed], bodies);
  });
});

describe('SHOUTcast v1 with a station charset', () => {
  it('decodes the page in the charset the station names instead of guessing', async () => {
    const { shoutcastV1 } = await import('../../src/parse/shoutcast-v1.ts');
    // Byte 0xC4 is "Δ" in ISO-8859-7 (Greek) and "Ä" when guessed as Windows-1252.
    const body = Buffer.concat([Buffer.from('<html><body>1,1,1,1,1,128,'), Buffer.from([0xc4, 0xe1]), Buffer.from('</body></html>')]);
    expect(shoutcastV1.picker({ url: 'http://x/7.html', format: 'shoutcast-v1' })(shoutcastV1.decode(body, 'text/html', 'iso-8859-7'))?.raw).toBe('Δα');
    expect(shoutcastV1.picker({ url: 'http://x/7.html', format: 'shoutcast-v1' })(shoutcastV1.decode(body, 'text/html'))?.raw).toBe('Äá');
  });
});
