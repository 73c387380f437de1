// ICY in-stream metadata: split a SHOUTcast/Icecast audio stream into its metadata blocks, and read
// `StreamTitle` out of a block. Pure: bytes in, values out. Sockets live in src/fetch/stream/.
import { decodeBytes } from './text.ts';

/** One metadata block is at most 255 × 16 bytes (its length byte counts 16-byte units). */
export const ICY_MAX_BLOCK = 255 * 16;

/**
 * Incremental ICY demultiplexer. After every `metaint` audio bytes the stream carries one length byte L
 * and L×16 bytes of metadata (NUL-padded); L = 0 means "no change". Audio is skipped, never copied.
 * Gives the same blocks however the stream is cut into chunks.
 */
export class IcyDemuxer {
  readonly metaint: number;
  /** Every byte pushed so far, audio and metadata. */
  bytesSeen = 0;
  private audioLeft: number;
  private block: Uint8Array | null = null;
  private filled = 0;

  constructor(metaint: number) {
    if (!Number.isSafeInteger(metaint) || metaint < 1) throw new RangeError(`icy-metaint must be a positive integer, got ${metaint}`);
    this.metaint = metaint;
    this.audioLeft = metaint;
  }

  /** Feeds the next bytes of the stream; returns the non-empty metadata blocks they complete, NULs stripped. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.bytesSeen += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.block) {
        const n = Math.min(this.block.length - this.filled, chunk.length - i);
        this.block.set(chunk.subarray(i, i + n), this.filled);
        this.filled += n;
        i += n;
        if (this.filled === this.block.length) {
          const text = stripNuls(this.block);
          if (text.length > 0) out.push(text);
          this.block = null;
          this.audioLeft = this.metaint;
        }
      } else if (this.audioLeft > 0) {
        const n = Math.min(this.audioLeft, chunk.length - i);
        this.audioLeft -= n;
        i += n;
      } else {
        const length = chunk[i++]! * 16;
        if (length === 0) this.audioLeft = this.metaint;
        else {
          this.block = new Uint8Array(length);
          this.filled = 0;
        }
      }
    }
    return out;
  }
}

function stripNuls(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

const TITLE_KEY = "StreamTitle='";
// A `';` ends the value only when another `Key='` or the end of the block follows: titles are not
// escaped and may hold `'`, `;`, `"` and `=` ("Say 'Hi'; Bye" must survive whole).
const VALUE_END = /';(?=[A-Za-z]+='|[\s\0]*$)/g;

/**
 * The `StreamTitle` of one metadata block: '' for `StreamTitle='';`, null when the block has none.
 * Bytes are UTF-8 when valid, else Windows-1252 (or `charset`, a station's override); numeric
 * references (`&#8211;`) are decoded once.
 */
export function parseStreamTitle(block: Uint8Array, charset?: string): string | null {
  // Latin-1 maps byte i to char i, so string offsets are byte offsets.
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('latin1');
  const at = text.indexOf(TITLE_KEY);
  if (at < 0) return null;
  const start = at + TITLE_KEY.length;
  VALUE_END.lastIndex = start;
  let end = VALUE_END.exec(text)?.index;
  if (end === undefined) {
    // No `';`: the final `;` is missing; take up to a trailing quote, else to the end of the block.
    const rest = text.replace(/[\s\0]+$/, '');
    end = rest.endsWith("'") && rest.length > start ? rest.length - 1 : rest.length;
  }
  // Numeric references (`&#8211;`) are left to normalisation, which decodes them once for every source.
  return decodeBytes(block.subarray(start, Math.max(start, end)), charset);
}
