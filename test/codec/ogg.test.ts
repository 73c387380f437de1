import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OGG_MAX_COMMENT_PACKET, OggTagReader, vorbisComments, type OggTags } from '../../src/codec/ogg.ts';
import { commentList, headerPackets, oggCrc, oggPages, OggTrackWriter, type OggCodec } from '../helpers/ogg-pages.ts';

function read(data: Uint8Array, cuts: number[] = []): OggTags[] {
  const reader = new OggTagReader();
  const out: OggTags[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length]) {
    out.push(...reader.push(data.subarray(at, cut)));
    at = cut;
  }
  expect(reader.bytesSeen).toBe(data.length);
  return out;
}

/** Two chained tracks with audio in between. */
function chained(codec: OggCodec, maxSegments = 255): Uint8Array {
  const w = new OggTrackWriter(codec, maxSegments);
  return Buffer.concat([
    w.headers(['ARTIST=Björk', 'TITLE=Jóga']),
    w.audio(5000),
    w.audio(),
    w.next(['title=Hyperballad', 'Artist=Björk']),
    w.audio(),
  ]);
}

describe('Ogg page builder (test helper)', () => {
  it('computes the Ogg CRC (check value of "123456789")', () => {
    expect(oggCrc(Buffer.from('123456789'))).toBe(0x89a1897f);
  });
});

describe('OggTagReader', () => {
  it.each(['vorbis', 'opus', 'flac'] as const)('reads ARTIST and TITLE of each chained %s track', (codec) => {
    expect(read(chained(codec))).toEqual([
      { artist: 'Björk', title: 'Jóga' },
      { artist: 'Björk', title: 'Hyperballad' },
    ]);
  });

  it.each(['vorbis', 'opus'] as const)('reads a %s comment packet that spans several pages', (codec) => {
    const w = new OggTrackWriter(codec, 2); // two lacing values per page: the comment packet crosses pages
    const padding = `DESCRIPTION=${'x'.repeat(1000)}`;
    const data = Buffer.concat([w.headers([padding, 'ARTIST=A', 'TITLE=Long']), w.audio()]);
    expect(read(data)).toEqual([{ artist: 'A', title: 'Long' }]);
  });

  it('gives the same tags however the stream is cut (property)', () => {
    const data = Buffer.concat([chained('vorbis', 3), chained('opus', 1)]);
    const whole = read(data);
    expect(whole).toHaveLength(4);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length }), { maxLength: 40 }), (cuts) => {
        expect(read(data, cuts)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('reports an untagged track with null artist and title', () => {
    const w = new OggTrackWriter('vorbis');
    expect(read(w.headers([]))).toEqual([{ artist: null, title: null }]);
  });

  it('skips a comment packet over the cap without buffering it, then reads the next track', () => {
    const w = new OggTrackWriter('opus');
    const huge = `METADATA_BLOCK_PICTURE=${'A'.repeat(OGG_MAX_COMMENT_PACKET)}`;
    const data = Buffer.concat([w.headers([huge, 'TITLE=Hidden']), w.audio(), w.next(['TITLE=Seen'])]);
    expect(read(data)).toEqual([{ artist: null, title: 'Seen' }]);
  });

  it('ignores a track joined mid-way (no BOS page seen) and garbage before a page', () => {
    const w = new OggTrackWriter('vorbis');
    const headers = w.headers(['TITLE=Missed']);
    const audio = w.audio();
    const data = Buffer.concat([Buffer.from('garbage OggXOgg'), audio, w.next(['TITLE=Next'])]);
    expect(headers.length).toBeGreaterThan(0);
    expect(read(data)).toEqual([{ artist: null, title: 'Next' }]);
  });

  it('does not take codecs it does not know for comment headers', () => {
    const packets = [Buffer.from('\x80theora'), Buffer.concat([Buffer.from('\x03vorbis'), commentList(['TITLE=No'])])];
    const data = Buffer.concat(oggPages(packets, { serial: 7, sequence: 0, bos: true }).pages);
    expect(read(data)).toEqual([]);
  });

  it('reads FLAC-in-Ogg comments after other metadata blocks', () => {
    const [ident, comment] = headerPackets('flac', ['TITLE=After padding']);
    ident![8] = 2; // two metadata header packets follow
    const padding = Buffer.from([0x01, 0, 0, 4, 0, 0, 0, 0]);
    const data = Buffer.concat([
      ...oggPages([ident!], { serial: 9, sequence: 0, bos: true }).pages,
      ...oggPages([padding, comment!], { serial: 9, sequence: 1 }).pages,
    ]);
    expect(read(data)).toEqual([{ artist: null, title: 'After padding' }]);
  });
});

describe('vorbisComments', () => {
  it('matches keys case-insensitively, keeps the first value, and ignores lines without "="', () => {
    const list = commentList(['tItLe=First', 'TITLE=Second', 'ARTIST', 'artist=Who', 'ALBUM=X=Y']);
    expect(vorbisComments(list)).toEqual({ artist: 'Who', title: 'First' });
  });

  it('survives truncated and lying lengths', () => {
    const list = commentList(['ARTIST=A', 'TITLE=B']);
    expect(vorbisComments(list.subarray(0, list.length - 3))).toEqual({ artist: 'A', title: null });
    expect(vorbisComments(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toEqual({ artist: null, title: null });
    expect(vorbisComments(new Uint8Array(0))).toEqual({ artist: null, title: null });
  });
});
