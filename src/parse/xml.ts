// The one XML setup shared by every XML format: strict, text-only values, no DTDs, bounded depth.
// A station's XML is untrusted input; every failure of the parser comes out as a ParseError.
import { XMLParser } from 'fast-xml-parser';
import { decodeCharacterReferences } from '../codec/text.ts';
import { ParseError } from '../errors.ts';

/** Deeper documents are refused; no status feed comes near it (fast-xml-parser throws past this). */
export const MAX_XML_DEPTH = 100;

// DTDs are how entity bombs (billion laughs) and external entities get in; no status feed needs one.
const declaration = /<!(?:DOCTYPE|ENTITY)/i;

// fast-xml-parser 5 decodes named entities but leaves `&#233;` alone unless HTML entities are on; this
// decoder does both the XML names and numeric references, once, and ignores DTD entities.
const entityDecoder = {
  setExternalEntities() {},
  addInputEntities() {},
  reset() {},
  setXmlVersion() {},
  decode: decodeCharacterReferences,
};

/**
 * Builds a parser for one format. Attributes are kept as `@_name`; element text stays text ("1999" and "0" are
 * titles, not numbers); CDATA merges into the text. One element and several come out as an object and an
 * array: readers take lists through `asList` (document.ts). (fast-xml-parser's `isArray` would do it too, at
 * the cost of building every element's path as a string: 15 % of the parse of a ten-mount Icecast page.)
 */
export function xmlReader(): (text: string) => unknown {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    entityDecoder,
    maxNestedTags: MAX_XML_DEPTH,
  });
  return (text) => {
    if (declaration.test(text)) throw new ParseError('XML with a DOCTYPE or ENTITY declaration refused (an HTML page, or a hostile document)');
    try {
      // `true`: validate well-formedness first; the parser alone accepts some broken documents.
      return parser.parse(text, true);
    } catch (err) {
      // Tags named __proto__/constructor, depth past the cap, malformed markup: all the station's fault.
      throw new ParseError(`invalid XML: ${(err as Error).message}`, { cause: err });
    }
  };
}
