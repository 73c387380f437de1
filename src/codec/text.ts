// Bytes to text for sources that declare no charset (ICY blocks, 7.html, Icecast titles):
// UTF-8 when the bytes are valid UTF-8, else Windows-1252; character references decoded once; mojibake repaired.

import { ConfigError } from '../errors.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

// Windows-1252 by hand: Node 20's TextDecoder('windows-1252') decodes 0x80–0x9F as Latin-1 C1 controls
// (nodejs/node#56542), losing the – ’ € that Windows titles are full of. The 32 bytes that differ:
const cp1252C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => cp1252C1[c.charCodeAt(0) - 0x80]!);
}

// An unknown label makes TextDecoder throw a RangeError, which would pass for a bug on every poll:
// it is the station's configuration that is wrong. Latin-1 labels are Windows-1252 (WHATWG), done by hand.
function decodeAs(bytes: Uint8Array, charset: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new ConfigError(`unknown charset "${charset}"`);
  }
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

/**
 * Decodes bytes of unknown charset. With `charset` (a per-station override) that charset is used as is.
 * Without it: valid UTF-8 is UTF-8, anything else is Windows-1252 (a superset of Latin-1's printable range).
 */
export function decodeBytes(bytes: Uint8Array, charset?: string): string {
  if (charset) return decodeAs(bytes, charset);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

const numericReference = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g;
const characterReference = /&(?:#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}))|(amp|lt|gt|quot|apos));/g;
const namedReferences: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

// NUL, surrogates and out-of-range code points stay as written: they are not characters.
function codePointText(whole: string, hex: string | undefined, dec: string | undefined): string {
  const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec!, 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
  return String.fromCodePoint(code);
}

/** Decodes `&#8211;` and `&#x2013;` once (Icecast and ICY send them literally for what Latin-1 lacks). */
export function decodeNumericReferences(text: string): string {
  if (!text.includes('&#')) return text;
  return text.replace(numericReference, codePointText);
}

/**
 * Decodes numeric references and the five XML named entities (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`) in one
 * pass, so `&amp;#233;` becomes the literal `&#233;` it encodes. Enough for XML and for SHOUTcast's 7.html;
 * anything else (`&nbsp;`, DTD entities) is left as written.
 */
export function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(characterReference, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
    name !== undefined ? namedReferences[name]! : codePointText(whole, hex, dec),
  );
}

// A UTF-8 lead byte (C2–F4) read as Windows-1252 followed by one to three continuation bytes (80–BF) read the same way.
const cp1252High = 'ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ';
const continuation = '\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u0081\u008d\u008f\u0090\u009d';
const mojibakePattern = new RegExp(`[${cp1252High}][${continuation}]`);

const encodeCp1252 = (() => {
  // Both readings of 0x80–0x9F map back: Windows-1252's (– as U+2013) and Latin-1's (U+0096, which is what
  // Icecast produces when it takes UTF-8 for Latin-1).
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(String.fromCharCode(b), b);
  for (let b = 0x80; b < 0xa0; b++) table.set(cp1252C1[b - 0x80]!, b);
  return (text: string): Uint8Array | null => {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const b = table.get(text[i]!);
      if (b === undefined) return null;
      out[i] = b;
    }
    return out;
  };
})();

/**
 * Repairs UTF-8 that was decoded as Latin-1/Windows-1252 ("CafÃ©" → "Café", "MÃ¶tley CrÃ¼e" → "Mötley Crüe").
 * Only when the whole text re-encodes to valid UTF-8: a genuine "Ã©" in otherwise plain text is left alone
 * unless it forms valid UTF-8, which real Latin-1 titles almost never do.
 */
export function repairMojibake(text: string): string {
  if (!mojibakePattern.test(text)) return text;
  const bytes = encodeCp1252(text);
  if (!bytes) return text;
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return text;
  }
}

/** Header values reach JavaScript as Latin-1 strings: re-decode as UTF-8 when their bytes are valid UTF-8. */
export function redecodeHeader(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  try {
    return utf8Strict.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}
