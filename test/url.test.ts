// The URL rules in one place: only http(s), credentials sent as basic auth, and never shown.
import { describe, expect, it } from 'vitest';
import { basicAuth, describeUrl, isHttpUrl, parseHttpUrl, redactUrl, redirectTarget, resolveHttpUrl, withoutCredentials } from '../src/url.ts';

describe('station URLs', () => {
  it('takes only absolute http and https URLs', () => {
    expect(isHttpUrl('http://r.example/x')).toBe(true);
    expect(isHttpUrl('HTTPS://r.example')).toBe(true);
    for (const bad of ['ftp://r.example/x', 'file:///etc/passwd', '/relative', 'not a url', 'javascript:alert(1)']) expect(isHttpUrl(bad), bad).toBe(false);
    expect(parseHttpUrl('http://r.example/x').href).toBe('http://r.example/x');
    expect(() => parseHttpUrl('file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_URL', policy: 'disable' }));
    expect(() => parseHttpUrl('::')).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_URL' }));
  });

  it("takes a redirect to anything but http(s) for the server's fault", () => {
    const from = new URL('http://u:secret@r.example/a?token=1');
    expect(redirectTarget('/b', from).href).toBe('http://u:secret@r.example/b');
    expect(() => redirectTarget('file:///etc/passwd', from, 302)).toThrow(expect.objectContaining({ code: 'ONAIR_BAD_REDIRECT', policy: 'backoff', status: 302, message: 'http://r.example/a redirects to file:' }));
    expect(resolveHttpUrl('rtsp://r.example/s', from)).toBeNull();
    expect(resolveHttpUrl('/s', 'http://r.example/list.pls')?.href).toBe('http://r.example/s');
  });

  it('sends user:password as basic auth, decoded, and a stray % as written', () => {
    expect(basicAuth(new URL('http://r.example/'))).toBeUndefined();
    expect(basicAuth(new URL('http://ad%40min:p%3Ass@r.example/'))).toBe(`Basic ${Buffer.from('ad@min:p:ss').toString('base64')}`);
    expect(basicAuth(new URL('http://us%er:pw@r.example/'))).toBe(`Basic ${Buffer.from('us%er:pw').toString('base64')}`);
  });

  it('keeps credentials out of what is shown, logged or stored', () => {
    expect(withoutCredentials('http://admin:s3cret@r.example:8000/admin/stats?mount=/m')).toBe('http://r.example:8000/admin/stats?mount=/m');
    expect(withoutCredentials('http://r.example/x')).toBe('http://r.example/x');
    expect(describeUrl(new URL('http://admin:s3cret@r.example/live?listener=token'))).toBe('http://r.example/live');
    expect(redactUrl('http://admin:s3cret@r.example/x')).toBe('http://***@r.example/x');
    expect(redactUrl('connect to https://a:b@one.example and http://c:d@two.example/x failed')).toBe('connect to https://***@one.example and http://***@two.example/x failed');
    expect(redactUrl('http://admin:p@ss@r.example/x')).toBe('http://***@r.example/x');
    expect(redactUrl('http://r.example/path@v2?q=a@b')).toBe('http://r.example/path@v2?q=a@b');
    expect(redactUrl(42)).toBe(42);
  });
});
