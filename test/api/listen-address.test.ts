import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../src/api/listen-address.ts';

describe('the --http address', () => {
  it('listens on loopback when only a port is given', () => {
    expect(parseListenAddress('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it.each([
    ['0.0.0.0:8080', '0.0.0.0', 8080],
    ['localhost:0', 'localhost', 0],
    ['[::1]:9000', '::1', 9000],
  ])('takes the host from %s', (value, host, port) => {
    expect(parseListenAddress(value)).toEqual({ host, port });
  });

  it.each(['', 'http', ':8080', '8080:host', '70000', 'host:-1', '::1:80', 'a b:80'])('refuses "%s", naming the expected form', (value) => {
    expect(() => parseListenAddress(value)).toThrow(/--http must be \[HOST:\]PORT/);
  });
});
