import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { genericXml } from '../../src/parse/generic-xml.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const feed = (title?: string, artist?: string): FeedConfig => ({ url: 'https://radio.example/now.xml', format: 'xml', title, artist }) as FeedConfig;
const np = (artist: string | null, title: string): NowPlaying => ({ raw: artist ? `${artist} - ${title}` : title, artist, title });
const soma = feed('songs.song[0].title', 'songs.song[0].artist');
const triton = feed('nowplaying-info-list.nowplaying-info.property[name=cue_title]', 'nowplaying-info-list.nowplaying-info[0].property[@name="track_artist_name"]');

describe('generic XML with station paths', () => {
  it.each([
    ['SomaFM: the newest song is the first, entities decoded', 'somafm-groovesalad.xml', soma, np('Bonobo', 'Lost & Found')],
    ['SomaFM: a later song by index', 'somafm-groovesalad.xml', feed('songs.song[2].title', 'songs.song[2].artist'), np('DJ Shadow', 'Midnight in a Perfect World')],
    ['one <song> is read like a list, and "0" and "1999" stay text', 'somafm-one-song.xml', soma, np('1999', '0')],
    ['Triton: the property selected by its name attribute, CDATA as text', 'triton-nowplaying.xml', triton, np('Queen', "Don't Stop Me Now <Remastered 2011> & More")],
    ['a missing artist path gives no artist', 'somafm-groovesalad.xml', feed('songs.song[0].title', 'songs.song[0].performer'), np(null, 'Lost & Found')],
    ['a title path the document lacks is an error naming it', 'somafm-groovesalad.xml', feed('songs.track[0].title'), /title path "songs\.track\[0\]\.title" is not in the document/],
    ['a billion-laughs document is refused, not expanded', 'billion-laughs.xml', soma, /DOCTYPE or ENTITY declaration refused/],
    ['an external entity is refused', 'external-entity.xml', soma, /DOCTYPE or ENTITY declaration refused/],
    ['10,000 levels of nesting are refused', 'deeply-nested.xml', feed('a.a'), /invalid XML: Maximum nested tags exceeded/],
    ['a tag named __proto__ is a ParseError, not pollution', 'proto-tag.xml', soma, /invalid XML/],
    ['malformed XML is a ParseError', 'malformed.xml', soma, /invalid XML/],
    ['garbage bytes are a ParseError', '../garbage.bin', soma, /invalid XML/],
  ])('%s', (_name, file, config, expected) => {
    const result = run(genericXml, fixture(`xml/${file}`), config);
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('does not pollute Object.prototype', () => {
    run(genericXml, fixture('xml/proto-tag.xml'), soma);
    expect(({} as Record<string, unknown>).title).toBeUndefined();
  });

  it('returns a value or a ParseError for any bytes', () => {
    const bodies = ['somafm-groovesalad.xml', 'triton-nowplaying.xml', 'billion-laughs.xml'].map((f) => fixture(`xml/${f}`));
    assertOnlyParseErrors(genericXml, [soma, triton], bodies);
  });
});
