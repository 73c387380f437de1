// Applies each change of the station list to the parts that act on it: a live-mode stream station gets a held
// connection, every other station a place on the schedule; a removed station leaves both, and its change
// detection and feed state are forgotten. The store learns each station's name.
import type { Logger } from '../log.ts';
import type { LiveStreams } from '../pipeline/live-streams.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Scheduler, ScheduledTask } from '../scheduler/scheduler.ts';
import type { StationsDiff } from '../stations/registry.ts';
import type { StationsConfig } from '../stations/schema.ts';
import type { PlayStore } from '../store/contract.ts';
import type { Station } from '../types.ts';

export interface StationRouterDeps {
  scheduler: Scheduler;
  live: LiveStreams;
  pipeline: Pipeline;
  store: PlayStore;
  logger: Logger;
  /** The command line's interval (seconds), over the file's default. */
  intervalSeconds: number | undefined;
}

/** Live-mode stream stations hold a connection; everything else is polled. */
export const isLive = (s: Station): boolean => !s.feed && s.stream?.mode === 'live';

/** Pure: the scheduler's view of a polled station. */
export function toTask(s: Station, intervalMs: number): ScheduledTask {
  const url = new URL(s.feed?.url ?? s.stream!.url);
  return { id: s.id, intervalMs, host: url.host, phaseKey: s.feed?.url ?? s.id };
}

export class StationRouter {
  private readonly stations = new Map<string, Station>();

  constructor(private readonly deps: StationRouterDeps) {}

  get(id: string): Station | undefined {
    return this.stations.get(id);
  }

  /** Applies a diff; resolves once the store knows the stations' names (a failure there is logged, not thrown). */
  async apply(diff: StationsDiff, config: StationsConfig): Promise<void> {
    const { scheduler, live, pipeline, store, logger } = this.deps;
    pipeline.setJunk(config.junk);
    for (const s of diff.removed) {
      this.stations.delete(s.id);
      scheduler.remove(s.id);
      live.remove(s.id);
      pipeline.tracker.forget(s.id);
    }
    const upserted = [...diff.added, ...diff.changed];
    for (const s of upserted) {
      this.stations.set(s.id, s);
      if (isLive(s)) {
        scheduler.remove(s.id);
        live.upsert(s);
      } else {
        live.remove(s.id);
        scheduler.upsert(toTask(s, 1000 * (s.intervalSeconds ?? this.deps.intervalSeconds ?? config.defaults.intervalSeconds)));
      }
    }
    pipeline.retainFeeds([...this.stations.values()]);
    if (upserted.length || diff.removed.length)
      logger.info({ added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, stations: this.stations.size }, 'stations loaded');
    try {
      await store.upsertStations(upserted.map((s) => ({ id: s.id, name: s.name })));
    } catch (err) {
      logger.error({ err }, 'cannot write station names to the database; polling goes on');
    }
  }
}
