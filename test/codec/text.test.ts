import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { decodeBytes, decodeCharacterReferences, decodeNumericReferences, redecodeHeader, repairMojibake } from '../../src/codec/text.ts';

const bytes = (...parts: (string | number)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...new TextEncoder().encode(p)])));

describe('decodeBytes', () => {
  it.each([
    ['valid UTF-8 as UTF-8', bytes('Caf', 0xc3, 0xa9), 'Café'],
    ['invalid UTF-8 as Windows-1252', bytes('Caf', 0xe9, ' ', 0x96, ' ', 0x80), 'Café – €'],
    ['all 32 bytes where Windows-1252 differs from Latin-1', Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i), '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'],
    ['a UTF-8 BOM is dropped', bytes(0xef, 0xbb, 0xbf, 'x'), 'x'],
  ])('decodes %s', (_name, input, expected) => {
    expect(decodeBytes(input)).toBe(expected);
  });

  it.each([
    ['iso-8859-1', bytes(0xc3, 0xa9, 0x96), 'Ã©–'],
    ['windows-1252', bytes(0x93, 'x', 0x94), '“x”'],
    ['iso-8859-2', bytes(0xa1), 'Ą'],
    ['utf-8', bytes(0xc3, 0xa9), 'é'],
  ])('uses a station\'s charset override %s (Latin-1 labels read as Windows-1252)', (charset, input, expected) => {
    expect(decodeBytes(input, charset)).toBe(expected);
  });

  it('reports an unknown charset as the station\'s configuration error', () => {
    expect(() => decodeBytes(bytes('x'), 'klingon-8')).toThrow(ConfigError);
  });
});

describe('character references', () => {
  it.each([
    ['&#8211; &#x2013; &#X2013;', '– – –'],
    ['&#0; &#xD800; &#1114112;', '&#0; &#xD800; &#1114112;'],
    ['&amp; stays', '&amp; stays'],
  ])('decodeNumericReferences(%j)', (input, expected) => {
    expect(decodeNumericReferences(input)).toBe(expected);
  });

  it.each([
    ['Guns N&#39; Roses &amp; &quot;Friends&quot; &lt;live&gt; &apos;88', 'Guns N\' Roses & "Friends" <live> \'88'],
    ['&amp;#233; is decoded once', '&#233; is decoded once'],
    ['&nbsp;&AMP;&unknown;', '&nbsp;&AMP;&unknown;'],
  ])('decodeCharacterReferences(%j)', (input, expected) => {
    expect(decodeCharacterReferences(input)).toBe(expected);
  });
});

describe('repairMojibake', () => {
  it.each([
    ['CafÃ©', 'Café'],
    ['MÃ¶tley CrÃ¼e', 'Mötley Crüe'],
    ['Beyoncâ€“', 'Beyonc–'],
    ['Beyonc\u00e2\u0080\u0093', 'Beyonc–'],
    ['Café', 'Café'],
    ['Ã alone', 'Ã alone'],
    ['坂本九 CafÃ©', '坂本九 CafÃ©'],
  ])('%j becomes %j', (input, expected) => {
    expect(repairMojibake(input)).toBe(expected);
  });
});

describe('redecodeHeader', () => {
  it('re-decodes a Latin-1 header string holding UTF-8 bytes', () => {
    expect(redecodeHeader(Buffer.from('Café', 'utf8').toString('latin1'))).toBe('Café');
    expect(redecodeHeader('Caf\u00e9')).toBe('Café');
  });
});
