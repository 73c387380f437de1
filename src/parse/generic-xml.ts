// The `xml` format: a station's own XML document (SomaFM's /songs/<channel>.xml, Triton Digital's
// now-playing feed), read by the station's title and artist paths (syntax in path.ts).
import { decodeBytes } from '../codec/text.ts';
import type { DocumentFeed } from '../stations/schema.ts';
import type { FeedParser } from './feed-parser.ts';
import { pickerByPaths } from './path.ts';
import { xmlReader } from './xml.ts';

const readXml = xmlReader();

export const genericXml: FeedParser<unknown, DocumentFeed> = {
  decode: (body, _type, charset) => readXml(decodeBytes(body, charset)),
  picker: pickerByPaths,
};
