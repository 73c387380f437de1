import { describe, expect, it } from 'vitest';
import { parseHead } from '../../../src/fetch/stream/head.ts';
import { BurstGate, oggNowPlaying, titleSource } from '../../../src/fetch/stream/titles.ts';
import type { NowPlaying } from '../../../src/types.ts';
import { icyFrame } from '../../helpers/icy-server.ts';
import { OggTrackWriter } from '../../helpers/ogg-pages.ts';

const np = (raw: string): NowPlaying => ({ raw, artist: null, title: null });
const head = (lines: string) => parseHead(Buffer.from(`HTTP/1.0 200 OK\r\n${lines}\r\n`))!;

describe('BurstGate', () => {
  it('holds the titles of the burst back and lets the newest through once burstBytes are read', () => {
    const gate = new BurstGate(100);
    expect(gate.chunk(40, [np('old'), np('older')])).toEqual([]);
    expect(gate.chunk(40, [np('newest in burst')])).toEqual([]);
    expect(gate.chunk(40, [])).toEqual([np('newest in burst')]);
    expect(gate.chunk(10, [np('next')])).toEqual([np('next')]);
  });

  it('waits past burstBytes for the first title when the burst had none', () => {
    const gate = new BurstGate(10);
    expect(gate.chunk(50, [])).toEqual([]);
    expect(gate.chunk(5, [np('first')])).toEqual([np('first')]);
  });

  it('ends the burst when the socket pauses: the held title now, later ones at once', () => {
    const gate = new BurstGate(1000);
    gate.chunk(10, [np('a'), np('b')]);
    expect(gate.pause()).toEqual([np('b')]);
    expect(gate.pause()).toEqual([]);
    expect(gate.chunk(10, [np('c')])).toEqual([np('c')]);
  });

  it('stays closed on a pause before any title (Icecast pauses between head and burst)', () => {
    const gate = new BurstGate(1000);
    expect(gate.pause()).toEqual([]);
    expect(gate.chunk(10, [np('stale'), np('newer')])).toEqual([]);
    expect(gate.pause()).toEqual([np('newer')]);
  });
});

describe('titleSource', () => {
  it('reads ICY titles when the head has icy-metaint', () => {
    const source = titleSource(head('icy-metaint: 10\r\n'), 'x');
    expect(source.push(icyFrame(10, 'A - B'))).toEqual([np('A - B')]);
  });

  it('reads Ogg tags for an Ogg content type, and sniffs "OggS" when there is none', () => {
    const w = new OggTrackWriter('opus');
    const data = w.headers(['ARTIST=A', 'TITLE=B']);
    const expected = [{ raw: 'A - B', artist: 'A', title: 'B' }];
    expect(titleSource(head('Content-Type: audio/ogg\r\n'), 'x').push(data)).toEqual(expected);
    const sniffing = titleSource(head(''), 'x');
    expect(sniffing.push(data.subarray(0, 2))).toEqual([]);
    expect(sniffing.push(data.subarray(2))).toEqual(expected);
  });

  it('says ONAIR_NO_METADATA for MP3 without icy-metaint, at once or after sniffing', () => {
    expect(() => titleSource(head('Content-Type: audio/mpeg\r\n'), 'x')).toThrow(expect.objectContaining({ code: 'ONAIR_NO_METADATA', policy: 'rare' }));
    const sniffing = titleSource(head(''), 'x');
    expect(() => sniffing.push(Uint8Array.of(0xff, 0xfb, 0x90, 0))).toThrow(expect.objectContaining({ code: 'ONAIR_NO_METADATA' }));
  });

  it('joins Ogg artist and title into raw, and uses whichever exists alone', () => {
    expect(oggNowPlaying({ artist: null, title: 'T' })).toEqual({ raw: 'T', artist: null, title: 'T' });
    expect(oggNowPlaying({ artist: 'A', title: null })).toEqual({ raw: 'A', artist: 'A', title: null });
    expect(oggNowPlaying({ artist: null, title: null })).toEqual({ raw: '', artist: null, title: null });
  });
});
