import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { mendSeparator, shoutcastV2 } from '../../src/parse/shoutcast-v2.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const stats: FeedConfig = { url: 'http://radio.example:8000/stats?sid=1', format: 'shoutcast-v2' };
const statistics = (extra: Partial<FeedConfig> = {}, url = 'http://radio.example:8000/statistics'): FeedConfig => ({ url, format: 'shoutcast-v2', ...extra }) as FeedConfig;
const mp3 = (text: string): NowPlaying => ({ raw: text, artist: null, title: text });

describe('shoutcast v2 /stats and /statistics', () => {
  it.each([
    ['/stats gives SONGTITLE', 'stats.xml', stats, mp3('Bob Marley & The Wailers - Three Little Birds')],
    ['/stats with an empty SONGTITLE is nothing playing', 'stats-empty-songtitle.xml', stats, null],
    ['/stats with STREAMSTATUS 0 is nothing playing', 'stats-stream-down.xml', stats, null],
    ['/stats&json=1 gives the lower-case songtitle', 'stats.json', stats, mp3('Toots & The Maytals - 54-46 Was My Number')],
    ['three spaces where " - " was meant become " - "', 'three-spaces.xml', stats, mp3('Daft Punk - One More Time')],
    ['/statistics without a sid picks stream 1', 'statistics.xml', statistics(), mp3('Bob Marley & The Wailers - Three Little Birds')],
    ['/statistics picks the station\'s sid', 'statistics.xml', statistics({ sid: 2 }), mp3('King Tubby - Dub Fi Gwan')],
    ['/statistics picks the sid of the URL', 'statistics.xml', statistics({}, 'http://radio.example:8000/statistics?sid=2'), mp3('King Tubby - Dub Fi Gwan')],
    ['/statistics picks by STREAMPATH equal to the mount', 'statistics.xml', statistics({ mount: '/dub' }), mp3('King Tubby - Dub Fi Gwan')],
    ['/statistics with a stream down is nothing playing', 'statistics.xml', statistics({ sid: 3 }), null],
    ['/statistics with one stream is still a list', 'statistics-one-stream.xml', statistics(), mp3('Prince - 1999')],
    ['/statistics?json=1 picks from "streams"', 'statistics.json', statistics({ sid: 2 }), mp3('King Tubby - Dub Fi Gwan')],
    ['a sid missing from the document is an error naming it', 'statistics.xml', statistics({ sid: 7 }), /no stream with sid 7/],
    ['a mount missing from the document is an error naming it', 'statistics.xml', statistics({ mount: '/jazz' }), /no stream with path \/jazz/],
    ['XML that is not SHOUTcast is a ParseError', '../xml/somafm-groovesalad.xml', stats, /no <SHOUTCASTSERVER>/],
    ['garbage bytes are a ParseError', '../garbage.bin', stats, /invalid XML/],
  ])('%s', (_name, file, feed, expected) => {
    const result = run(shoutcastV2, fixture(`shoutcast-v2/${file}`), feed);
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it.each([
    ['Artist   Title', 'Artist - Title'],
    ['Artist - Title   Remix', 'Artist - Title   Remix'],
    ['Artist    Title', 'Artist    Title'],
    ['   Title', '   Title'],
  ])('mends the three-space separator only where it stands for " - ": %j', (input, output) => {
    expect(mendSeparator(input)).toBe(output);
  });

  it('returns a value or a ParseError for any bytes', () => {
    const bodies = ['stats.xml', 'stats.json', 'statistics.xml', 'statistics.json'].map((f) => fixture(`shoutcast-v2/${f}`));
    assertOnlyParseErrors(shoutcastV2, [stats, statistics({ sid: 2 }), statistics({ mount: '/dub' })], bodies);
  });
});
