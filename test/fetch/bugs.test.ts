// Both readers turn only known network failures into NetworkError: a bug thrown inside them (or by undici
// at our misuse) comes out as it is, so the pipeline disables the station instead of retrying a TypeError
// as if the network had failed. And what counts as a network failure, code by code.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, OnairError } from '../../src/errors.ts';
import { HttpClient } from '../../src/fetch/http.ts';
import { networkFailure } from '../../src/fetch/network-failure.ts';
import { openLiveStream } from '../../src/fetch/stream/reader.ts';
import { startIcyServer, type IcyServer } from '../helpers/icy-server.ts';

let icy: IcyServer | undefined;
let http: Server | undefined;
let client: HttpClient | undefined;
afterEach(async () => {
  await client?.destroy();
  await icy?.close();
  await new Promise<void>((resolve) => (http ? (http.closeAllConnections(), http.close(() => resolve())) : resolve()));
  icy = http = client = undefined;
});

describe('a bug inside a reader', () => {
  it('comes out of the feed client as it is, not as a NetworkError', async () => {
    http = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    client = new HttpClient();
    // A header value undici refuses: our misuse (UND_ERR_INVALID_ARG), not the network.
    const err = await client.get(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, { userAgent: 'a\nb' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(OnairError);
    expect(err).toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
  });

  it("comes out of a live stream as it is, not as a NetworkError, even with a code of Node's own", async () => {
    icy = await startIcyServer({ '/live': { metaint: 1000, titles: ['A - One'], burst: 0 } });
    const err = await openLiveStream(icy.url('/live'), {
      signal: new AbortController().signal,
      pauseMs: 1,
      // What Node's own misuse errors look like: a TypeError with an ERR_* code (it was wrapped as a NetworkError).
      onTitle: () => {
        throw Object.assign(new TypeError('The "chunk" argument must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(OnairError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('leaves a refused connection a NetworkError whose detail is the system code', async () => {
    client = new HttpClient();
    const err = await client.get('http://127.0.0.1:9/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'ONAIR_NETWORK', detail: 'ECONNREFUSED', policy: 'backoff' });
  });
});

describe('networkFailure', () => {
  const error = (code: string, cause?: unknown) => Object.assign(new Error(`${code} happened`), { code }, cause ? { cause } : {});

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'HPE_INVALID_CONSTANT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT'])(
    'knows %s as the network failing',
    (code) => {
      expect(networkFailure(error(code))).toEqual({ code, message: `${code} happened` });
    },
  );

  it.each(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ONAIR_PARSE'])('takes %s for a bug', (code) => {
    expect(networkFailure(error(code))).toBeUndefined();
  });

  it('takes a thrown value without a code for a bug', () => {
    expect(networkFailure(new TypeError('x is not a function'))).toBeUndefined();
    expect(networkFailure('a string')).toBeUndefined();
    expect(networkFailure(null)).toBeUndefined();
  });

  it("prefers the cause's code: undici's socket error wraps the socket's", () => {
    expect(networkFailure(error('UND_ERR_SOCKET', error('ECONNRESET')))).toEqual({ code: 'ECONNRESET', message: 'ECONNRESET happened' });
    expect(networkFailure(error('UND_ERR_SOCKET', new Error('no code')))).toMatchObject({ code: 'UND_ERR_SOCKET' });
  });
});
