import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, metaint, parseHead, stationHeaders } from '../../../src/fetch/stream/head.ts';

const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('parseHead', () => {
  it.each([
    ['HTTP/1.0 200 OK\r\n', 'http'],
    ['HTTP/1.1 200 OK\r\n', 'http'],
    ['ICY 200 OK\r\n', 'icy'],
    ['', 'none'],
  ] as const)('reads a head that starts with %j', (statusLine, style) => {
    const head = parseHead(b(`${statusLine}Content-Type: audio/mpeg\r\nicy-metaint: 8192\r\n\r\nAUDIO`))!;
    expect(head).toMatchObject({ status: 200, style });
    expect(metaint(head)).toBe(8192);
    expect(head.length).toBe(b(statusLine).length + 47);
  });

  it('accepts LF-only line ends and a status line without a reason', () => {
    const head = parseHead(b('ICY 404\nicy-notice1: <BR>Not here\n\n'))!;
    expect(head).toMatchObject({ status: 404, style: 'icy' });
    expect(head.headers.get('icy-notice1')).toBe('<BR>Not here');
  });

  it('waits for the blank line that ends the head', () => {
    expect(parseHead(b('HTTP/1.0 200 OK\r\nicy-metaint: 16000\r\n'))).toBeNull();
    expect(parseHead(b('ICY 20'))).toBeNull();
    expect(parseHead(new Uint8Array(0))).toBeNull();
  });

  it('takes audio straight away for a stream with no head at all', () => {
    expect(parseHead(Uint8Array.of(0xff, 0xfb, 0x90, 0x00))).toMatchObject({ status: 200, style: 'none', length: 0 });
    expect(parseHead(b('OggS\0\x02'))).toMatchObject({ length: 0 });
    expect(parseHead(b('ID3\x04\0\0'))).toMatchObject({ length: 0 });
  });

  it('re-decodes UTF-8 header values and keeps the first of repeated headers', () => {
    const head = parseHead(b(`HTTP/1.0 200 OK\r\nicy-name: ${Buffer.from('Café FM').toString('latin1')}\r\nICY-NAME: second\r\nicy-genre: Jazz\r\nicy-br: 128\r\n\r\n`))!;
    expect(stationHeaders(head)).toEqual({ name: 'Café FM', genre: 'Jazz', bitrate: '128' });
  });

  it('treats what arrived as the head when the server closes without a blank line', () => {
    expect(parseHead(b('HTTP/1.0 302 Found\r\nLocation: /x'), true)).toMatchObject({ status: 302 });
  });

  it('rejects a broken status line, an empty response and an endless head', () => {
    expect(() => parseHead(b('HTTP/1.0 OK\r\n\r\n'))).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_HEAD' }));
    expect(() => parseHead(new Uint8Array(0), true)).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_HEAD' }));
    const endless = b(`HTTP/1.0 200 OK\r\n${'x-filler: y\r\n'.repeat(MAX_HEAD_BYTES / 10)}`);
    expect(() => parseHead(endless)).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_HEAD' }));
  });

  it('reads no metaint from a missing or nonsense icy-metaint', () => {
    expect(metaint(parseHead(b('HTTP/1.0 200 OK\r\n\r\n'))!)).toBeNull();
    expect(metaint(parseHead(b('HTTP/1.0 200 OK\r\nicy-metaint: -5\r\n\r\n'))!)).toBeNull();
    expect(metaint(parseHead(b('HTTP/1.0 200 OK\r\nicy-metaint: abc\r\n\r\n'))!)).toBeNull();
  });
});
