// Connects to PostgreSQL with the timeouts onair relies on: a connect that cannot succeed fails in seconds (not a
// hang), no statement runs for long, and no session sits idle inside a transaction holding locks. postgres.js
// reconnects by itself after the server restarts; a password comes from the URL or PGPASSWORD and is never
// logged (messages name the URL without it).
import postgres from 'postgres';
import { OnairError } from '../../errors.ts';
import { redactUrl } from '../../url.ts';

export interface PostgresTimeouts {
  connectSeconds: number;
  statementMs: number;
  /** A node stopped inside a flush (SIGSTOP, a lost network) holds its lease rows: the server ends it after this. */
  idleInTransactionMs: number;
  /** A flush or renewal waiting for a row lock gives up after this and is retried, instead of queueing up. */
  lockMs: number;
}

/** Short, so a stuck session delays a takeover by seconds (../shared/scale-out.md measured 5 s / 2 s). */
export const POSTGRES_TIMEOUTS: PostgresTimeouts = { connectSeconds: 10, statementMs: 10_000, idleInTransactionMs: 5_000, lockMs: 2_000 };

/** A pool on `url`, checked with one round trip: rejects with ONAIR_DB_UNREACHABLE when the server does not answer. */
export async function connectPostgres(url: string, opts: { max?: number; timeouts?: PostgresTimeouts } = {}): Promise<postgres.Sql> {
  const t = opts.timeouts ?? POSTGRES_TIMEOUTS;
  const sql = postgres(url, {
    max: opts.max ?? 4,
    connect_timeout: t.connectSeconds,
    idle_timeout: 60,
    onnotice: () => {},
    // Epoch milliseconds and ids fit a double exactly; the default would hand them back as strings.
    types: { bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) } },
    connection: {
      application_name: 'onair',
      statement_timeout: t.statementMs,
      idle_in_transaction_session_timeout: t.idleInTransactionMs,
      lock_timeout: t.lockMs,
    },
  });
  try {
    await sql`SELECT 1`;
    return sql;
  } catch (err) {
    await sql.end({ timeout: 0 });
    const reason = (err as { code?: string; message?: string }).code ?? (err as Error).message;
    throw new OnairError('ONAIR_DB_UNREACHABLE', `cannot reach PostgreSQL at ${String(redactUrl(url))}: ${reason}`, { cause: err });
  }
}
