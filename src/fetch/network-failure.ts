// Which thrown values are the network failing us, for both readers (undici for feeds, raw sockets for
// streams): by code, on the error or on its cause. What it does not know is a bug, not a network error:
// wrapping a TypeError as ECONNRESET-like would retry it forever and hide it.

/** undici's codes for a connection or a response gone wrong; its others (UND_ERR_INVALID_ARG…) are our bugs. */
const UNDICI = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_INFO',
  'UND_ERR_ABORT',
  'UND_ERR_ABORTED',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_PRX_TLS',
]);

/**
 * errno codes (ECONNRESET, ENOTFOUND, EAI_AGAIN; not Node's ERR_* codes, which mark misuse), llhttp's HPE_*
 * (a broken HTTP message), TLS and certificate failures, and a socket closed mid-stream.
 */
const PATTERN = /^(E(?!RR_)[A-Z0-9_]+|HPE_[A-Z_]+|ERR_TLS_[A-Z_]+|ERR_SSL_[A-Z0-9_]+|ERR_OSSL_[A-Z0-9_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_STREAM_PREMATURE_CLOSE)$/;

/**
 * The network failure's code and the message that came with it, or undefined when `err` is not one. The
 * cause first: undici wraps the socket's error (UND_ERR_SOCKET around ECONNRESET), and the cause says more.
 */
export function networkFailure(err: unknown): { code: string; message: string } | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  for (const e of [(err as { cause?: unknown }).cause, err] as { code?: unknown; message?: unknown }[]) {
    const code = e?.code;
    if (typeof code === 'string' && (UNDICI.has(code) || PATTERN.test(code))) return { code, message: typeof e.message === 'string' && e.message ? e.message : code };
  }
  return undefined;
}
