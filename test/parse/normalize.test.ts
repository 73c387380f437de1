import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JUNK, normalizeNowPlaying, playKey } from '../../src/parse/normalize.ts';
import type { NowPlaying } from '../../src/types.ts';

const sent = (text: string): NowPlaying => ({ raw: text, artist: null, title: text });
const apart = (artist: string | null, title: string | null): NowPlaying => ({ raw: `${artist} - ${title}`, artist, title });
const np = (raw: string, artist: string | null, title: string | null): NowPlaying => ({ raw, artist, title });

describe('normalizeNowPlaying', () => {
  it.each([
    ['splits on the first " - " and keeps raw whole', sent('Artist - Title - Live'), np('Artist - Title - Live', 'Artist', 'Title - Live')],
    ['keeps a text without separator as the title, with no artist', sent('Just A Title'), np('Just A Title', null, 'Just A Title')],
    ['does not split on a hyphen inside a word', sent('Jay-Z-Song'), np('Jay-Z-Song', null, 'Jay-Z-Song')],
    ['trims and collapses whitespace', sent('  Artist \t -  \n Title  '), np('Artist - Title', 'Artist', 'Title')],
    ['turns control characters into spaces', sent('Artist\u0000 - Title\u0007'), np('Artist - Title', 'Artist', 'Title')],
    ['repairs mojibake', sent('MÃ¶tley CrÃ¼e - Live at the CafÃ©'), np('Mötley Crüe - Live at the Café', 'Mötley Crüe', 'Live at the Café')],
    ['decodes numeric references', sent('&#22338;&#26412;&#20061; &#8211; Sukiyaki'), np('坂本九 – Sukiyaki', null, '坂本九 – Sukiyaki')],
    ['decodes numeric references once only', sent('A - &#38;#8211;'), np('A - &#8211;', 'A', '&#8211;')],
    ['repairs mojibake before decoding references it would otherwise block', sent('CafÃ© &#8211; Bar'), np('Café – Bar', null, 'Café – Bar')],
    ['joins an artist and title sent apart', apart(' Nina  Simone ', 'Feeling Good'), np('Nina Simone - Feeling Good', 'Nina Simone', 'Feeling Good')],
    ['keeps a title sent apart from an empty artist', apart('', 'Feeling Good'), np('Feeling Good', null, 'Feeling Good')],
    ['drops an artist that is junk on its own ("artist": -)', apart('-', 'Feeling Good'), np('Feeling Good', null, 'Feeling Good')],
    ['keeps an artist sent without a title', apart('Nina Simone', null), np('Nina Simone', 'Nina Simone', null)],
    ['keeps a number-like title', sent('1999'), np('1999', null, '1999')],
  ])('%s', (_name, input, expected) => {
    expect(normalizeNowPlaying(input)).toEqual(expected);
  });

  it.each([
    '',
    '   ',
    '-',
    ' - ',
    'Unknown',
    'unknown - UNKNOWN',
    'undefined',
    'nodesc',
    'AD',
    'START_AD_BREAK',
    "DJ Mike Llama - Llama Whippin' Intro",
    'Stream Not Found',
  ])('treats %j as nothing playing', (text) => {
    expect(normalizeNowPlaying(sent(text))).toBeNull();
  });

  it('treats "Unknown" sent as artist and title apart as nothing playing', () => {
    expect(normalizeNowPlaying(apart('Unknown', 'Unknown'))).toBeNull();
  });

  it('treats a text that is only the station name as an ident', () => {
    expect(normalizeNowPlaying(sent(' jazz  LOUNGE '), { stationName: 'Jazz Lounge' })).toBeNull();
    expect(normalizeNowPlaying(sent('Jazz Lounge - Miles Davis'), { stationName: 'Jazz Lounge' })).not.toBeNull();
  });

  it('adds a station list\'s junk to the default list', () => {
    const opts = { junk: ['Jingle'] };
    expect(normalizeNowPlaying(sent('JINGLE'), opts)).toBeNull();
    expect(normalizeNowPlaying(sent('Unknown'), opts)).toBeNull();
    expect(DEFAULT_JUNK).toContain('START_AD_BREAK');
  });

  // Without '&': references are decoded once by design, so "&#38;#65;" rightly changes on a second pass.
  it('is idempotent on its own output', () => {
    const text = fc.string().filter((s) => !s.includes('&'));
    fc.assert(
      fc.property(text, fc.option(text, { nil: null }), (text, artist) => {
        const once = normalizeNowPlaying(artist === null ? sent(text) : apart(artist, text));
        if (once) expect(normalizeNowPlaying(once.artist === null ? sent(once.raw) : once)).toEqual(once);
      }),
    );
  });
});

describe('playKey', () => {
  it('is the normalised raw text, so the same song sent differently compares equal', () => {
    const a = normalizeNowPlaying(sent('MÃ¶tley CrÃ¼e  -  Kickstart'))!;
    const b = normalizeNowPlaying(apart('Mötley Crüe', 'Kickstart'))!;
    expect(playKey(a)).toBe(playKey(b));
  });
});
