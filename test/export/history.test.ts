import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTime, toExportedPlay, writeHistoryJson } from '../../src/export/history.ts';
import { ConfigError } from '../../src/errors.ts';
import { openDatabase } from '../../src/store/sqlite/open.ts';
import type { StoredPlay } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/** Collects text; each write completes on a later turn, so a writer that ignores backpressure piles up. */
class SlowSink extends Writable {
  text = '';
  keep: boolean;
  maxBuffered = 0;
  drains = 0;
  constructor(keep = true) {
    super({ highWaterMark: 16 * 1024, decodeStrings: false });
    this.keep = keep;
    this.on('drain', () => this.drains++);
  }
  override _write(chunk: string, _enc: BufferEncoding, done: (err?: Error) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.keep) this.text += chunk;
    setImmediate(done);
  }
}

describe('export format', () => {
  it('writes each play in the exact shape of design.md, one per line, as a valid JSON array', async () => {
    const store = SqliteStore.open(':memory:');
    store.recordChange('groove', Date.UTC(2026, 10, 28, 10, 0, 0), { raw: 'Artist - Title', artist: 'Artist', title: 'Title', source: 'feed' });
    store.recordChange('groove', Date.UTC(2026, 10, 28, 10, 3, 12), { raw: 'Jingle', artist: null, title: 'Jingle', source: 'stream' });
    await store.flush();
    const out = new SlowSink();
    expect(await writeHistoryJson(store.history({}), out)).toBe(2);
    await store.close();

    expect(out.text).toBe(
      '[\n' +
        '{"station":"groove","raw":"Artist - Title","artist":"Artist","title":"Title",' +
        '"startedAt":"2026-11-28T10:00:00.000Z","endedAt":"2026-11-28T10:03:12.000Z","source":"feed"},\n' +
        '{"station":"groove","raw":"Jingle","artist":null,"title":"Jingle",' +
        '"startedAt":"2026-11-28T10:03:12.000Z","endedAt":null,"source":"stream"}\n' +
        ']\n',
    );
    expect(JSON.parse(out.text)).toHaveLength(2);
  });

  it('writes an empty array when there is nothing to export', async () => {
    const out = new SlowSink();
    expect(await writeHistoryJson([], out)).toBe(0);
    expect(JSON.parse(out.text)).toEqual([]);
  });

  it('maps a stored play without its id and keeps the key order', () => {
    const stored: StoredPlay = { id: 7, station: 's', raw: 'r', artist: null, title: null, startedAt: 0, endedAt: 1, source: 'feed' };
    const exported = toExportedPlay(stored);
    expect(Object.keys(exported)).toEqual(['station', 'raw', 'artist', 'title', 'startedAt', 'endedAt', 'source']);
    expect(exported.endedAt).toBe('1970-01-01T00:00:00.001Z');
  });

  it('streams 200k plays from SQLite, waiting for drain so the sink never holds more than a chunk or two', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStore(db);
    await store.upsertStations([{ id: 'groove' }]);
    // Filled directly: the export, not the write path, is under test here.
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
             INSERT INTO plays (station, raw, artist, title, started_at, ended_at, source)
             SELECT 'groove', 'Artist ' || i || ' - Song', 'Artist ' || i, 'Song', i * 1000, i * 1000 + 1000, 'feed' FROM n`);
    const out = new SlowSink(false);
    expect(await writeHistoryJson(store.history({}), out)).toBe(200_000);
    await store.close();
    // Ignoring write() === false would buffer the whole ~30 MB document in the sink.
    expect(out.drains).toBeGreaterThan(10);
    expect(out.maxBuffered).toBeLessThan(256 * 1024);
  });

  it('rejects at once when the output is already closed', async () => {
    const out = new SlowSink();
    out.destroy();
    await expect(writeHistoryJson([], out)).rejects.toThrow('closed before the export finished');
  });

  it('rejects when the output fails instead of waiting forever', async () => {
    const out = new Writable({
      highWaterMark: 1,
      write: (_c, _e, done) => setImmediate(() => done(new Error('EPIPE'))),
    });
    out.on('error', () => {});
    const plays = Array.from({ length: 5000 }, (_, i) => ({ station: 's', raw: 'x'.repeat(100), artist: null, title: null, startedAt: i, endedAt: null, source: 'feed' as const }));
    await expect(writeHistoryJson(plays, out)).rejects.toThrow('EPIPE');
  });
});

describe('parseTime', () => {
  it('reads epoch milliseconds', () => {
    expect(parseTime('1795860000000')).toBe(1795860000000);
  });

  it('reads ISO 8601 dates and date-times, as UTC when no offset is given', () => {
    expect(parseTime('2026-11-28')).toBe(Date.UTC(2026, 10, 28));
    expect(parseTime('2026-11-28T10:00')).toBe(Date.UTC(2026, 10, 28, 10));
    expect(parseTime('2026-11-28T10:00:05.123Z')).toBe(Date.UTC(2026, 10, 28, 10, 0, 5, 123));
    expect(parseTime('2026-11-28T11:00:00+01:00')).toBe(Date.UTC(2026, 10, 28, 10));
    expect(parseTime('2026-11-28 05:30:00-0430')).toBe(Date.UTC(2026, 10, 28, 10));
  });

  it.each(['', 'yesterday', '2026-02-30', '2026-13-01', '2026-11-28T24:00', '2026-11-28T10:00+1', '12.5', '0050-01-01'])(
    'rejects %j with a message that shows what it accepts',
    (text) => {
      expect(() => parseTime(text)).toThrow(ConfigError);
      expect(() => parseTime(text)).toThrow(/expected epoch milliseconds or an ISO 8601 date/);
    },
  );
});
