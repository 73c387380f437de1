// Builds the SQL for a history query from its filters. Pure: no database here.
import type { HistoryQuery } from '../contract.ts';

/** Columns of `plays` under the names of StoredPlay, so rows need no mapping. */
export const PLAY_COLUMNS =
  'id, station, raw, artist, title, started_at AS startedAt, ended_at AS endedAt, source';

export interface HistorySql {
  sql: string;
  params: Record<string, number | string>;
}

/**
 * `cursorStartedAt` is the started_at of play `query.afterId` (undefined if there is no such play): the
 * cursor is a position in the (started_at, id) order, so paging never skips or repeats a row even where
 * ids and start times disagree (a clock that stepped back).
 */
export function historySql(query: HistoryQuery, cursorStartedAt?: number): HistorySql {
  const where: string[] = [];
  const params: Record<string, number | string> = {};
  if (query.stations !== undefined && query.stations.length > 0) {
    // json_each keeps one statement shape whatever the number of stations.
    where.push('station IN (SELECT value FROM json_each(@stations))');
    params.stations = JSON.stringify(query.stations);
  }
  if (query.since !== undefined) {
    where.push('(ended_at IS NULL OR ended_at >= @since)');
    params.since = query.since;
  }
  if (query.until !== undefined) {
    where.push('started_at < @until');
    params.until = query.until;
  }
  const cmp = query.newestFirst ? '<' : '>';
  if (query.afterId !== undefined) {
    params.afterId = query.afterId;
    if (cursorStartedAt === undefined) {
      where.push(`id ${cmp} @afterId`);
    } else {
      where.push(`(started_at, id) ${cmp} (@cursorStartedAt, @afterId)`);
      params.cursorStartedAt = cursorStartedAt;
    }
  }
  const dir = query.newestFirst ? 'DESC' : 'ASC';
  let sql = `SELECT ${PLAY_COLUMNS} FROM plays`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ` ORDER BY started_at ${dir}, id ${dir}`;
  if (query.limit !== undefined) {
    sql += ' LIMIT @limit';
    params.limit = query.limit;
  }
  return { sql, params };
}
