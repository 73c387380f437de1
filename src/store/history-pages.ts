// History read in pages, whatever the engine: each page is one bounded query after a keyset cursor
// (started_at, id) in the query's order, so memory stays flat and no statement stays open between pages.
import type { HistoryQuery, StoredPlay } from './contract.ts';

/** Where a page starts: after the play `afterId`, whose start time is `startedAt` (undefined: compare by id alone). */
export interface HistoryCursor {
  afterId: number;
  startedAt: number | undefined;
}

/** Rows per page: big enough that a query costs little, small enough to bound memory. */
export const HISTORY_PAGE = 1_000;

/**
 * The plays of `query`, page by page. `startOf` finds the start time of the query's own cursor play (an
 * unknown id compares by id alone); `page` runs one query for `limit` rows after `cursor`.
 */
export async function* historyInPages(
  query: HistoryQuery,
  startOf: (id: number) => Promise<number | undefined>,
  page: (limit: number, cursor: HistoryCursor | undefined) => Promise<StoredPlay[]>,
): AsyncGenerator<StoredPlay> {
  let remaining = query.limit ?? Infinity;
  let cursor = query.afterId === undefined ? undefined : { afterId: query.afterId, startedAt: await startOf(query.afterId) };
  while (remaining > 0) {
    const limit = Math.min(HISTORY_PAGE, remaining);
    const rows = await page(limit, cursor);
    yield* rows;
    if (rows.length < limit) return;
    remaining -= rows.length;
    const last = rows.at(-1)!;
    cursor = { afterId: last.id, startedAt: last.startedAt };
  }
}
