import { normalizeNowPlaying } from '../../src/parse/normalize.ts';
// Why onair reads ICY itself: the same blocks through icecast-parser 4.0.2 (its StreamReader, the
// demultiplexer and regex its Parser uses) and through ours, plus its Parser against an `ICY 200 OK` server.
import { once } from 'node:events';
import { Parser } from 'icecast-parser';
import { StreamReader } from 'icecast-parser/dist/StreamReader.js';
import { afterEach, describe, expect, it } from 'vitest';
import { readStreamSnapshot } from '../../src/fetch/stream/reader.ts';
import { IcyDemuxer, parseStreamTitle } from '../../src/codec/icy.ts';
import { startIcyServer, type IcyServer } from '../helpers/icy-server.ts';

const METAINT = 32;

/** Audio, then one metadata block holding exactly `block` (NUL-padded). */
function frame(block: Uint8Array): Uint8Array {
  const units = Math.ceil(block.length / 16);
  const out = Buffer.alloc(METAINT + 1 + units * 16, 0);
  out.fill(0xaa, 0, METAINT);
  out[METAINT] = units;
  out.set(block, METAINT + 1);
  return out;
}

async function theirs(block: Uint8Array): Promise<string | undefined> {
  const reader = new StreamReader(METAINT);
  reader.resume(); // drain the audio it passes through
  const metadata = once(reader, 'metadata') as Promise<[Map<string, string>]>;
  reader.end(Buffer.from(frame(block)));
  return (await metadata)[0].get('StreamTitle');
}

function ours(block: Uint8Array): string | null {
  const [found] = new IcyDemuxer(METAINT).push(frame(block));
  // As the pipeline sees it: the block's title, then normalisation (which decodes references once).
  const raw = parseStreamTitle(found!);
  return raw && (normalizeNowPlaying({ raw, artist: null, title: null })?.raw ?? raw);
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('ICY titles: icecast-parser 4.0.2 against onair', () => {
  it.each([
    ['an empty title becomes the next key', utf8("StreamTitle='';StreamUrl='';"), "';StreamUrl='", ''],
    ["a title with ' and ; is cut", utf8("StreamTitle='Say 'Hi'; Bye';StreamUrl='';"), "Say 'Hi", "Say 'Hi'; Bye"],
    ['a title with " and ; is cut', utf8("StreamTitle='He said \"Hi\"; ok';"), 'He said "Hi', 'He said "Hi"; ok'],
    ['Latin-1 bytes become U+FFFD', latin1("StreamTitle='Mötley Crüe - Café';"), 'M\ufffdtley Cr\ufffde - Caf\ufffd', 'Mötley Crüe - Café'],
    ['numeric references stay encoded', utf8("StreamTitle='Ryuichi &#22338;&#26412; &#8211; Merry';"), 'Ryuichi &#22338;&#26412; &#8211; Merry', 'Ryuichi 坂本 – Merry'],
    ['a block without the final ";" has no title', utf8("StreamTitle='No semicolon'"), undefined, 'No semicolon'],
  ])('%s', async (_case, block, icecastParser, onair) => {
    expect(await theirs(block)).toBe(icecastParser);
    expect(ours(block)).toBe(onair);
  });
});

describe('SHOUTcast v1 "ICY 200 OK": icecast-parser 4.0.2 against onair', () => {
  let server: IcyServer;
  afterEach(async () => {
    await server?.close();
  });

  async function parserOutcome(url: string): Promise<{ error?: string; title?: string }> {
    const parser = new Parser({ url, autoUpdate: false, userAgent: 'test' });
    const [event, value] = await Promise.race([
      once(parser, 'error').then(([e]) => ['error', e as Error & { code?: string }] as const),
      once(parser, 'metadata').then(([m]) => ['metadata', m as Map<string, string>] as const),
    ]);
    return event === 'error' ? { error: value.code } : { title: value.get('StreamTitle') };
  }

  it('icecast-parser fails on the status line with HPE_INVALID_CONSTANT; onair reads the title', async () => {
    server = await startIcyServer({
      '/v1': { head: 'icy', metaint: 8192, titles: ['Shout - Cast'] },
      '/icecast': { head: 'http', metaint: 8192, titles: ['Shout - Cast'] },
    });
    expect(await parserOutcome(server.url('/icecast'))).toEqual({ title: 'Shout - Cast' }); // the same stream with an HTTP status line
    expect(await parserOutcome(server.url('/v1'))).toEqual({ error: 'HPE_INVALID_CONSTANT' });
    expect((await readStreamSnapshot(server.url('/v1'), { burstBytes: 0 })).title?.raw).toBe('Shout - Cast');
  });
});
