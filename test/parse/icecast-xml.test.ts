import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import { icecastXml } from '../../src/parse/icecast-xml.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import type { NowPlaying } from '../../src/types.ts';
import { assertOnlyParseErrors, fixture, run } from './fixtures.ts';

const feed = (mount?: string): FeedConfig => ({ url: 'http://admin:hackme@radio.example:8000/admin/stats', format: 'icecast-xml', mount }) as FeedConfig;
const mp3 = (text: string): NowPlaying => ({ raw: text, artist: null, title: text });

describe('icecast /admin/stats', () => {
  it.each([
    ['the title of the source with the mount attribute is taken, references decoded', 'icecast-xml/admin-stats.xml', '/pop', mp3('Beyoncé - Halo')],
    ['an Ogg source gives artist and title apart, entities decoded', 'icecast-xml/admin-stats.xml', '/soul.ogg', { raw: 'Sly & The Family Stone - Everyday People', artist: 'Sly & The Family Stone', title: 'Everyday People' }],
    ['an empty <title> is nothing playing', 'icecast-xml/admin-stats.xml', '/silent', null],
    ['a mount missing from the document is an error naming it', 'icecast-xml/admin-stats.xml', '/rock', /mount \/rock is not in the document/],
    ['one source is read like several, and a title "1999" stays text', 'icecast-xml/one-source.xml', '/1999', mp3('1999')],
    ['a server with no source reports nothing playing when no mount is set', 'icecast-xml/no-source.xml', undefined, null],
    ['a server with no source has no mount /pop', 'icecast-xml/no-source.xml', '/pop', /mount \/pop is not in the document \(no source connected\)/],
    ['XML that is not Icecast is a ParseError', 'xml/somafm-groovesalad.xml', '/pop', /no <icestats>/],
    ['garbage bytes are a ParseError', 'garbage.bin', '/pop', /invalid XML/],
    ['a DOCTYPE is refused before parsing', 'xml/billion-laughs.xml', '/pop', /DOCTYPE or ENTITY declaration refused/],
  ])('%s', (_name, file, mount, expected) => {
    const result = run(icecastXml, fixture(file), feed(mount));
    if (expected instanceof RegExp) {
      expect(result).toBeInstanceOf(ParseError);
      expect((result as Error).message).toMatch(expected);
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('returns a value or a ParseError for any bytes', () => {
    assertOnlyParseErrors(icecastXml, [feed('/pop'), feed()], [fixture('icecast-xml/admin-stats.xml'), fixture('icecast-xml/one-source.xml')]);
  });
});
