// The `json` format: a station's own JSON document (AzuraCast's /api/nowplaying/<station>, SomaFM's
// /songs/<channel>.json), read by the station's title and artist paths (syntax in path.ts).
import { decodeBytes } from '../codec/text.ts';
import type { FeedParser } from './feed-parser.ts';
import { parseJson } from './json.ts';
import { pickByPaths } from './path.ts';

export const genericJson: FeedParser<unknown> = {
  decode: (body, _type, charset) => parseJson(decodeBytes(body, charset)),
  pick: pickByPaths,
};
