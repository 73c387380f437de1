// Keeps the station list current: loads stations.json, reloads it when the file changes (or on SIGHUP,
// via reload()), and reports what was added, removed or changed. A bad edit is reported and ignored:
// the crawler keeps the last good list.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Station, StationsConfig } from './schema.ts';
import { loadStationsFile } from './stations-file.ts';

export interface StationsDiff {
  added: Station[];
  removed: Station[];
  changed: Station[];
}

/** Pure: what differs between two station lists, by id. */
export function diffStations(before: Station[], after: Station[]): StationsDiff {
  const old = new Map(before.map((s) => [s.id, s]));
  const diff: StationsDiff = { added: [], removed: [], changed: [] };
  for (const s of after) {
    const prev = old.get(s.id);
    if (!prev) diff.added.push(s);
    else if (JSON.stringify(prev) !== JSON.stringify(s)) diff.changed.push(s);
    old.delete(s.id);
  }
  diff.removed = [...old.values()];
  return diff;
}

export interface RegistryEvents {
  onChange(diff: StationsDiff, config: StationsConfig): void;
  onError(err: unknown): void;
}

export class StationRegistry {
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  config: StationsConfig;

  constructor(
    readonly file: string,
    private readonly events: RegistryEvents,
  ) {
    this.config = loadStationsFile(file);
  }

  get stations(): Station[] {
    return this.config.stations;
  }

  /** Re-reads the file; reports the difference, or the error (keeping the current list). */
  reload(): void {
    let next: StationsConfig;
    try {
      next = loadStationsFile(this.file);
    } catch (err) {
      this.events.onError(err);
      return;
    }
    const diff = diffStations(this.config.stations, next.stations);
    const intervalChanged = next.defaults.intervalSeconds !== this.config.defaults.intervalSeconds;
    const junkChanged = JSON.stringify(next.junk) !== JSON.stringify(this.config.junk);
    this.config = next;
    if (intervalChanged || junkChanged) diff.changed = next.stations.filter((s) => !diff.added.includes(s));
    if (diff.added.length || diff.removed.length || diff.changed.length || junkChanged) this.events.onChange(diff, next);
  }

  /**
   * Watches the file's directory (an atomic rename replaces the file's inode, which a watch on the file
   * itself would miss) and reloads shortly after the last event.
   */
  watch(): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload(), 100);
    });
    this.watcher.on('error', (err) => this.events.onError(err));
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}
