// The `json` format: a station's own JSON document (AzuraCast's /api/nowplaying/<station>, SomaFM's
// /songs/<channel>.json), read by the station's title and artist paths (syntax in path.ts).
import { decodeBytes } from '../codec/text.ts';
import type { DocumentFeed } from '../stations/schema.ts';
import type { FeedParser } from './feed-parser.ts';
import { parseJson } from './json.ts';
import { pickerByPaths } from './path.ts';

export const genericJson: FeedParser<unknown, DocumentFeed> = {
  decode: (body, _type, charset) => parseJson(decodeBytes(body, charset)),
  picker: pickerByPaths,
};
