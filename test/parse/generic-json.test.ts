import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { genericJson } from '../../src/parse/generic-json.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const feed = (title?: string, artist?: string): FeedConfig => ({ url: 'https://radio.example/api/nowplaying/night_owl', format: 'json', title, artist }) as FeedConfig;
const azura = feed('now_playing.song.title', 'now_playing.song.artist');
const bytes = (text: string) => new TextEncoder().encode(text);

describe('generic JSON with station paths', () => {
  it.each([
    ['AzuraCast: artist and title of now_playing.song', 'azuracast-nowplaying.json', azura, { raw: 'Beach House - Space Song', artist: 'Beach House', title: 'Space Song' }],
    ['AzuraCast: the combined text alone', 'azuracast-nowplaying.json', feed('now_playing.song.text'), { raw: 'Beach House - Space Song', artist: null, title: 'Beach House - Space Song' }],
    ['a path may start with an index into a top-level array', 'azuracast-all-stations.json', feed('[0].now_playing.song.title', '[0].now_playing.song.artist'), { raw: 'Beach House - Space Song', artist: 'Beach House', title: 'Space Song' }],
    ['an array element picked by a field selector', 'azuracast-all-stations.json', feed('[is_online=true].now_playing.song.title'), { raw: 'Space Song', artist: null, title: 'Space Song' }],
    ['an empty title and artist is nothing playing', 'azuracast-all-stations.json', feed('[1].now_playing.song.title', '[1].now_playing.song.artist'), null],
    ['a title path the document lacks is an error naming it', 'azuracast-nowplaying.json', feed('now_playing.track.title'), /title path "now_playing\.track\.title" is not in the document/],
    ['garbage bytes are a ParseError', '../garbage.bin', azura, /invalid JSON/],
  ])('%s', (_name, file, config, expected) => {
    const result = run(genericJson, fixture(`json/${file}`), config);
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('reads a title that is a number as text', () => {
    expect(run(genericJson, bytes('{"song":{"title":1999}}'), feed('song.title'))).toEqual({ raw: '1999', artist: null, title: '1999' });
  });

  it('does not follow a path through the prototype', () => {
    expect(run(genericJson, bytes('{"song":{}}'), feed('song.constructor.name'))).toBeInstanceOf(ParseError);
  });

  it('reads a key named __proto__ as the document\'s own key', () => {
    expect(run(genericJson, bytes('{"__proto__":{"title":"Own"}}'), feed('__proto__.title'))).toEqual({ raw: 'Own', artist: null, title: 'Own' });
  });

  it('survives 10,000 levels of nesting', () => {
    const deep = bytes('['.repeat(10_000) + ']'.repeat(10_000));
    const result = run(genericJson, deep, feed('[0].title'));
    expect(result).toBeInstanceOf(ParseError);
  });

  it('decodes Latin-1 bytes without U+FFFD', () => {
    const latin1 = Uint8Array.from([...bytes('{"title":"Caf'), 0xe9, ...bytes('"}')]);
    expect(run(genericJson, latin1, feed('title'))).toEqual({ raw: 'Café', artist: null, title: 'Café' });
  });

  it('returns a value or a ParseError for any bytes', () => {
    assertOnlyParseErrors(genericJson, [azura, feed('[0].now_playing.song.text')], [fixture('json/azuracast-nowplaying.json'), fixture('json/azuracast-all-stations.json')]);
  });
});
