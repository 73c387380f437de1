// Ogg pages for the farm's chained Ogg streams, cheap enough for thousands of listeners: header pages
// come from the test helpers (rare: once per track), audio pages from one template whose CRC is mostly
// precomputed. Ogg's CRC-32 (init 0, no final xor) is linear, so crc(header ‖ payload) is the payload's
// fixed CRC xor a 32-entry linear map applied to the header's CRC: 43 bytes hashed per page, not 4 KiB.
import { headerPackets, oggCrcUpdate, oggPages, trackComments, type OggCodec } from '../helpers/ogg-pages.ts';


/** Packets per audio page and bytes per packet (254: each ends within its lacing value). */
const PACKETS = 16;
const PACKET = 254;
const HEADER = 27 + PACKETS;
/** Audio whose payload holds "OggS" on purpose: a reader must skip it, not take it for a page. */
const PAYLOAD = Buffer.alloc(PACKETS * PACKET, 'OggS\x01vorbis\x03vorbis-audio ');
const TEMPLATE = (() => {
  const page = Buffer.alloc(HEADER + PAYLOAD.length);
  page.write('OggS', 0, 'latin1');
  page[26] = PACKETS;
  page.fill(PACKET, 27, HEADER);
  PAYLOAD.copy(page, HEADER);
  return page;
})();
const PAYLOAD_CRC = oggCrcUpdate(0, PAYLOAD);
/** SHIFT[i]: the state after running PAYLOAD.length zero bytes from state 1 << i. */
const SHIFT = (() => {
  const zeros = new Uint8Array(PAYLOAD.length);
  return Array.from({ length: 32 }, (_, i) => oggCrcUpdate((1 << i) >>> 0, zeros));
})();

/** Size of one audio page in bytes. */
export const OGG_AUDIO_PAGE = TEMPLATE.length;

/** One logical stream's page counter. */
export interface OggCursor {
  serial: number;
  sequence: number;
  granule: number;
}

/** The next audio page of a track (a fresh buffer: the socket may hold it until it drains). */
export function oggAudioPage(cursor: OggCursor): Buffer {
  const page = Buffer.allocUnsafe(TEMPLATE.length);
  TEMPLATE.copy(page, 0, 0, HEADER);
  PAYLOAD.copy(page, HEADER);
  cursor.granule += 960 * PACKETS;
  page.writeUInt32LE(cursor.granule % 2 ** 32, 6);
  page.writeUInt32LE(Math.floor(cursor.granule / 2 ** 32), 10);
  page.writeUInt32LE(cursor.serial, 14);
  page.writeUInt32LE(cursor.sequence++, 18);
  page.writeUInt32LE(0, 22);
  let head = oggCrcUpdate(0, page, 0, HEADER);
  let crc = PAYLOAD_CRC;
  for (let i = 0; head !== 0; i++, head >>>= 1) if (head & 1) crc ^= SHIFT[i]!;
  page.writeUInt32LE(crc >>> 0, 22);
  return page;
}

/** The header pages of a new track titled `text` (null: untagged), starting a logical stream at `cursor`. */
export function oggTrackStart(codec: OggCodec, text: string | null, cursor: OggCursor): Buffer {
  const [ident, ...rest] = headerPackets(codec, trackComments(text ?? ''));
  const bos = oggPages([ident!], { serial: cursor.serial, sequence: 0, bos: true });
  const more = oggPages(rest, { serial: cursor.serial, sequence: bos.sequence });
  cursor.sequence = more.sequence;
  cursor.granule = 0;
  return Buffer.concat([...bos.pages, ...more.pages]);
}

/** Ends the current track (an EOS page) and starts the next with a new serial. */
export function oggNextTrack(codec: OggCodec, text: string | null, cursor: OggCursor): Buffer {
  const end = oggPages([Buffer.alloc(10)], { serial: cursor.serial, sequence: cursor.sequence++, eos: true }).pages;
  cursor.serial = (cursor.serial + 1) >>> 0;
  return Buffer.concat([...end, oggTrackStart(codec, text, cursor)]);
}
