import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { icecastJson, repairIcecastJson } from '../../src/parse/icecast-json.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const feed = (mount?: string): FeedConfig => ({ url: 'http://radio.example:8000/status-json.xsl', format: 'icecast-json', mount }) as FeedConfig;
const np = (raw: string, artist: string | null, title: string | null): NowPlaying => ({ raw, artist, title });
const mp3 = (text: string) => np(text, null, text);

describe('icecast status-json.xsl', () => {
  it.each([
    ['a server with no source reports nothing playing when no mount is set', 'no-source.json', undefined, null],
    ['a server with no source has no mount /jazz', 'no-source.json', '/jazz', /mount \/jazz is not in the document \(no source connected\)/],
    ['one source comes as an object', 'one-source.json', '/jazz', mp3('Miles Davis - So What')],
    ['a lone source is taken when the station names no mount', 'one-source.json', undefined, mp3('Miles Davis - So What')],
    ['a mount without its leading slash still matches', 'one-source.json', 'jazz', mp3('Miles Davis - So What')],
    ['several sources come as an array, picked by mount', 'several-sources.json', '/jazz-low', mp3('Miles Davis - So What')],
    ['an Ogg mount among MP3 mounts gives artist and title apart', 'several-sources.json', '/soul.ogg', np('Nina Simone - Feeling Good', 'Nina Simone', 'Feeling Good')],
    ['several sources and no mount set is an error listing the mounts', 'several-sources.json', undefined, /3 mounts \(\/jazz, \/jazz-low, \/soul\.ogg\)/],
    ['a mount missing from the document is an error naming it', 'several-sources.json', '/rock', /mount \/rock is not in the document \(mounts: \/jazz, \/jazz-low, \/soul\.ogg\)/],
    ['"title": - (invalid JSON) is repaired to the text "-"', 'lone-dash-title.json', '/test', mp3('-')],
    ['"artist": - (invalid JSON) is repaired to the text "-"', 'lone-dash-artist.json', '/soul.ogg', np('- - Feeling Good', '-', 'Feeling Good')],
    ['the startup document missing its second { (and ending }}) is repaired', 'missing-brace-at-start.json', '/jazz', mp3('Chet Baker - Almost Blue')],
    ['the mount is matched on the path of listenurl whatever its host', 'listenurl-other-host.json', '/rock', mp3('Queen - Bohemian Rhapsody')],
    ['a mount that is a prefix of another is not confused with it', 'listenurl-other-host.json', '/rock-classics', mp3('Deep Purple - Highway Star')],
    ['an Ogg mount gives artist and title apart', 'ogg-artist-title.json', '/electro.ogg', np('Björk - Jóga', 'Björk', 'Jóga')],
    ['an untagged Ogg track (no title or artist key) is nothing playing', 'ogg-untagged.json', '/electro.ogg', null],
    ['"title": null is nothing playing', 'title-null.json', '/jazz', null],
    ['a mojibake title is returned as sent (normalize repairs it)', 'mojibake-title.json', '/metal', mp3('MÃ¶tley CrÃ¼e - Live at the CafÃ©')],
    ['numeric references are returned as sent (normalize decodes them)', 'numeric-references.json', '/world', mp3('&#22338;&#26412;&#20061; &#8211; Sukiyaki')],
    ['a title written as a bare number comes out as text', 'number-title.json', '/pop', mp3('1999')],
    ['garbage bytes are a ParseError', 'garbage.bin', '/jazz', /invalid JSON/],
    ['valid JSON that is not a status page is a ParseError', 'json/azuracast-nowplaying.json', '/jazz', /no "icestats" object/],
  ])('%s', (_name, file, mount, expected) => {
    const path = file.includes('/') || file.endsWith('.bin') ? file : `icecast-json/${file}`;
    const result = run(icecastJson, fixture(path), feed(mount));
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('leaves valid JSON untouched by the repair (it only runs when parsing fails)', () => {
    const valid = '{"a":"x: -, y","b":-1,"c":"\\"k\\": -"}';
    expect(JSON.parse(repairIcecastJson(valid))).toEqual(JSON.parse(valid));
  });

  it('quotes other non-numbers that XPath let through unquoted', () => {
    expect(JSON.parse(repairIcecastJson('{"title":-.,"x":-0.,"y":1.5}'))).toEqual({ title: '-.', x: '-0.', y: 1.5 });
  });

  it('decodes a title that is true or false as the text', () => {
    const body = new TextEncoder().encode('{"icestats":{"source":{"listenurl":"http://h:8000/a","title":true}}}');
    expect(run(icecastJson, body, feed('/a'))).toEqual(mp3('true'));
  });

  it('returns a value or a ParseError for any bytes', () => {
    const bodies = ['one-source.json', 'several-sources.json', 'lone-dash-title.json', 'missing-brace-at-start.json'].map((f) => fixture(`icecast-json/${f}`));
    assertOnlyParseErrors(icecastJson, [feed('/jazz'), feed()], bodies);
  });
});
