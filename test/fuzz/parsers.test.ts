// Fuzzing the feed parsers the way the pipeline calls them: decode the bytes, pick one station's entry,
// normalise. Every parser gets every fixture of every format (a station's URL can answer with anything),
// mutated, plus random bytes and text. Each step returns a value or throws an OnairError, never anything
// else, and never takes long.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_JUNK, feedParsers, normalizeNowPlaying, type FeedParser } from '../../src/parse/index.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { FeedFormat, NowPlaying } from '../../src/types.ts';
import { fixtures, hostile, outcome, params, tally, RUNS } from './fuzz.ts';

const all = fixtures();
const everyBody = [...all.values()].flat();

/** Station entries of each format, including ones that name what a document lacks. */
const FEEDS: Record<FeedFormat, FeedConfig[]> = {
  'icecast-json': ['/stream', '/m1', '/jazz', '/', '/groove.ogg'].map((mount) => ({ url: 'http://x/status-json.xsl', format: 'icecast-json', mount })),
  'icecast-xml': ['/stream', '/m1', '/jazz', '/'].map((mount) => ({ url: 'http://x/admin/stats', format: 'icecast-xml', mount })),
  'shoutcast-v1': [{ url: 'http://x/7.html', format: 'shoutcast-v1' }],
  'shoutcast-v2': [
    { url: 'http://x/stats?sid=1', format: 'shoutcast-v2' },
    { url: 'http://x/statistics', format: 'shoutcast-v2', sid: 2 },
    { url: 'http://x/statistics', format: 'shoutcast-v2', sid: 1 },
  ],
  xml: [
    { url: 'http://x/songs.xml', format: 'xml', title: 'songs.song[0].title', artist: 'songs.song[0].artist' },
    { url: 'http://x/np.xml', format: 'xml', title: 'nowplaying-info.property[name=cue_title]', artist: 'nowplaying-info.property[@name="track_artist_name"]' },
    { url: 'http://x/a.xml', format: 'xml', title: 'icestats.source[1].title' },
  ],
  json: [
    { url: 'http://x/np.json', format: 'json', title: 'now_playing.song.title', artist: 'now_playing.song.artist' },
    { url: 'http://x/all.json', format: 'json', title: '[0].now_playing.song.text' },
    { url: 'http://x/s.json', format: 'json', title: 'icestats.source.title' },
  ],
};

const CONTENT_TYPES = [undefined, 'text/xml', 'application/json; charset=utf-8', 'text/html; charset=iso-8859-1', 'text/plain; charset=bogus-42'];

function isNowPlaying(v: unknown): v is NowPlaying {
  const np = v as NowPlaying;
  return typeof np?.raw === 'string' && (np.artist === null || typeof np.artist === 'string') && (np.title === null || typeof np.title === 'string');
}

describe('every feed parser on hostile bytes', () => {
  for (const format of Object.keys(FEEDS) as FeedFormat[]) {
    it(`${format}: decode, pick and normalise return a value or an OnairError`, () => {
      const parser = feedParsers[format];
      // Its own fixtures count double: near-valid documents of the right shape reach the deepest code.
      const bodies = [...(all.get(format) ?? []), ...(all.get(format) ?? []), ...everyBody];
      fc.assert(
        fc.property(hostile(bodies), fc.constantFrom(...FEEDS[format]), fc.constantFrom(...CONTENT_TYPES), (body, feed, type) => {
          const decoded = outcome(() => parser.decode(body, type));
          if (decoded.kind === 'typed') return;
          const picked = outcome(() => (parser as FeedParser<unknown, typeof feed>).picker(feed)(decoded.value));
          if (picked.kind === 'typed' || picked.value === null) return;
          expect(isNowPlaying(picked.value), JSON.stringify(picked.value)).toBe(true);
          const normal = outcome(() => normalizeNowPlaying(picked.value!, { stationName: 'Station', junk: ['Ad Break'] }));
          expect(normal.kind).toBe('value');
          const np = normal.kind === 'value' ? normal.value : null;
          if (np !== null) {
            expect(isNowPlaying(np)).toBe(true);
            expect(np.raw).toBe(np.raw.trim());
            expect(np.raw).not.toMatch(/[\p{Cc}]/u);
          }
        }),
        params(),
      );
    });
  }

  it('a document decoded once serves any number of picks without changing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(FEEDS) as FeedFormat[])), hostile(everyBody), (format, body) => {
        const parser = feedParsers[format];
        const decoded = outcome(() => parser.decode(body, undefined));
        if (decoded.kind === 'typed') return;
        const snapshot = JSON.stringify(decoded.value);
        for (const feed of FEEDS[format]) outcome(() => (parser as FeedParser<unknown, typeof feed>).picker(feed)(decoded.value));
        expect(JSON.stringify(decoded.value)).toBe(snapshot);
      }),
      params({ numRuns: Math.ceil(RUNS / 2) }),
    );
  });
});

describe('normalizeNowPlaying on any text', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(...'Ã©ö¤â€“ &#;x0123456789-–—\u0080\u0093\u009d\t\n\r\u0000\'"<>'.split('')), maxLength: 60 }),
  );
  it('returns null or a clean NowPlaying, and never throws', () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: null }), fc.option(text, { nil: null }), fc.option(text, { nil: undefined }), (raw, artist, title, stationName) => {
        const r = outcome(() => normalizeNowPlaying({ raw, artist, title }, { stationName, junk: [raw.slice(0, 3)] }));
        expect(r.kind).toBe('value');
        const np = r.kind === 'value' ? r.value : null;
        if (np === null) return;
        expect(isNowPlaying(np)).toBe(true);
        expect(np.raw.length).toBeGreaterThan(0);
        expect(np.raw).toBe(np.raw.trim());
        expect(np.raw).not.toMatch(/[\p{Cc}]/u);
      }),
      params(),
    );
  });

  it('gives the same result for a text however it arrived (raw alone, or split by the station)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), (a, t) => {
        const junk = (x: string) => DEFAULT_JUNK.some((j) => j.toLowerCase() === x.toLowerCase()); // junk halves drop, by design
        fc.pre(!junk(a) && !junk(t) && !a.includes(' - ') && !t.includes(' - ') && a.trim() === a && t.trim() === t && !/\s\s|[\p{Cc}&]/u.test(a + t) && !a.endsWith(' -') && !t.startsWith('- '));
        const joined = normalizeNowPlaying({ raw: `${a} - ${t}`, artist: null, title: null });
        const split = normalizeNowPlaying({ raw: `${a} - ${t}`, artist: a, title: t });
        expect(joined?.raw).toBe(split?.raw);
      }),
      params(),
    );
  });
});

afterAll(() => {
  console.log(`fuzz (feeds): ${tally.cases} cases (${RUNS} per property)`);
});
