import { describe, expect, it } from 'vitest';
import { isPlaylist, parsePlaylist } from '../../src/codec/playlist.ts';

describe('isPlaylist', () => {
  it.each([
    ['http://r.example/listen.pls', undefined],
    ['http://r.example/listen.M3U', undefined],
    ['http://r.example/live.m3u8?token=1', undefined],
    ['http://r.example/x', 'audio/x-scpls'],
    ['http://r.example/x', 'audio/x-mpegurl; charset=utf-8'],
    ['http://r.example/x', 'application/vnd.apple.mpegurl'],
    ['http://r.example/x', 'audio/mpegurl'],
  ])('knows %s (%s) for a playlist', (url, type) => {
    expect(isPlaylist(url, type)).toBe(true);
  });

  it.each([
    ['http://r.example/stream', 'audio/mpeg'],
    ['http://r.example/stream.mp3', undefined],
    ['http://r.example/live.m3u', 'audio/mpeg'],
    ['http://r.example/live.pls', 'application/ogg'],
  ])('knows %s (%s) for a stream', (url, type) => {
    expect(isPlaylist(url, type)).toBe(false);
  });
});

describe('parsePlaylist', () => {
  it('reads .pls File entries in number order, resolved against the playlist URL', () => {
    const pls = '\uFEFF[playlist]\r\nNumberOfEntries=3\r\nFile2=http://b.example:8000/b\r\nTitle2=B\r\nFile1=/a\r\nfile3=c.mp3\r\nVersion=2\r\n';
    expect(parsePlaylist(pls, 'audio/x-scpls', 'http://r.example/dir/listen.pls')).toEqual([
      'http://r.example/a',
      'http://b.example:8000/b',
      'http://r.example/dir/c.mp3',
    ]);
  });

  it('reads the non-comment lines of an .m3u, skipping blanks and #EXTINF', () => {
    const m3u = '#EXTM3U\n#EXTINF:-1,Radio\nhttp://a.example/live\n\n  https://b.example/live  \n';
    expect(parsePlaylist(m3u, 'audio/x-mpegurl')).toEqual(['http://a.example/live', 'https://b.example/live']);
  });

  it('keeps only http and https streams, once each', () => {
    const m3u = 'rtsp://a.example/x\nmms://a.example/y\nhttp://a.example/z\nhttp://a.example/z\nnot a url\n';
    expect(parsePlaylist(m3u)).toEqual(['http://a.example/z']);
  });

  it('drops relative entries when it has no playlist URL to resolve them against', () => {
    expect(parsePlaylist('/relative\nhttp://a.example/abs\n')).toEqual(['http://a.example/abs']);
  });

  it('gives no streams for an HLS playlist (segments, not an ICY stream)', () => {
    const hls = '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg1.aac\n';
    expect(parsePlaylist(hls, 'application/vnd.apple.mpegurl', 'http://r.example/live.m3u8')).toEqual([]);
  });

  it('recognises a .pls by its content even with a wrong content type', () => {
    expect(parsePlaylist('[playlist]\nFile1=http://a.example/s\n', 'text/plain')).toEqual(['http://a.example/s']);
  });
});
