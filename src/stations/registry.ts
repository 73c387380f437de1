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

/**
 * Pure: what a new version of a list changes, or undefined for nothing. A new default interval or junk list
 * changes every station (each one's plan depends on them).
 */
export function listChange(before: StationsConfig, after: StationsConfig): StationsDiff | undefined {
  const diff = diffStations(before.stations, after.stations);
  const intervalChanged = after.defaults.intervalSeconds !== before.defaults.intervalSeconds;
  const junkChanged = JSON.stringify(after.junk) !== JSON.stringify(before.junk);
  if (intervalChanged || junkChanged) diff.changed = after.stations.filter((s) => !diff.added.includes(s));
  return diff.added.length || diff.removed.length || diff.changed.length || junkChanged ? diff : undefined;
}

export interface RegistryEvents {
  onChange(diff: StationsDiff, config: StationsConfig): void;
  onError(err: unknown): void;
}

/** Where the crawler's station list comes from: stations.json (this registry) or a database (crawler/db-stations.ts). */
export interface StationSource {
  readonly config: StationsConfig;
  readonly stations: Station[];
  /** Reads the list again now; reports what changed through the source's events. */
  reload(): void;
  /** Follows changes from now on. */
  watch(): void;
  close(): void;
}

export class StationRegistry implements StationSource {
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
    const diff = listChange(this.config, next);
    this.config = next;
    if (diff) this.events.onChange(diff, next);
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
