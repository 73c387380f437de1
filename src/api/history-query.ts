// Reads and checks the query of GET /api/stations/:id/history, and makes its opaque cursor. Pure.
import { parseTime } from '../export/history.ts';
import { ApiError } from './respond.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface HistoryParams {
  since?: number;
  until?: number;
  limit: number;
  /** The last play of the previous page. */
  afterId?: number;
}

const KNOWN = new Set(['since', 'until', 'limit', 'cursor']);

/** Throws ApiError(400) naming the parameter at fault; unknown parameters are refused, not ignored (typos). */
export function parseHistoryParams(q: URLSearchParams): HistoryParams {
  for (const key of q.keys()) if (!KNOWN.has(key)) throw new ApiError(400, `unknown query parameter "${key}"; expected since, until, limit or cursor`);
  const one = (key: string) => {
    const all = q.getAll(key);
    if (all.length > 1) throw new ApiError(400, `"${key}" given more than once`);
    return all[0];
  };
  const params: HistoryParams = { limit: DEFAULT_LIMIT };
  for (const key of ['since', 'until'] as const) {
    const v = one(key);
    if (v === undefined) continue;
    try {
      params[key] = parseTime(v);
    } catch (err) {
      throw new ApiError(400, `"${key}": ${(err as Error).message}`);
    }
  }
  const limit = one('limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw new ApiError(400, `"limit" must be an integer from 1 to ${MAX_LIMIT}, got "${limit}"`);
    params.limit = Number(limit);
  }
  const cursor = one('cursor');
  if (cursor !== undefined) params.afterId = decodeCursor(cursor);
  return params;
}

// The cursor is the id of a page's last play (the store pages by its position); base64url keeps clients
// from building cursors by hand, so its meaning may change without breaking them.
const PREFIX = 'p1:';

export function encodeCursor(playId: number): string {
  return Buffer.from(PREFIX + playId).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const id = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError(400, `"cursor" is not a cursor this API gave out: "${cursor}"`);
  return id;
}
