// Applies each change of the station list to the parts that act on it: each station is compiled into its plan
// once (pipeline/station-plan.ts); a live-mode stream station gets a held connection, every other station a
// place on the schedule; a removed station leaves both, and its change detection and feed state are
// forgotten. The store learns each station's name.
import type { Logger } from '../log.ts';
import type { LiveStreams } from '../pipeline/live-streams.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { isLive, planStation, type StationPlan } from '../pipeline/station-plan.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { StationsDiff } from '../stations/registry.ts';
import type { StationsConfig } from '../stations/schema.ts';
import type { PlayStore } from '../store/contract.ts';

export interface StationRouterDeps {
  scheduler: Scheduler;
  live: LiveStreams;
  pipeline: Pipeline;
  store: PlayStore;
  logger: Logger;
  /** The command line's interval (seconds), over the file's default. */
  intervalSeconds: number | undefined;
}

export class StationRouter {
  private readonly plans = new Map<string, StationPlan>();

  constructor(private readonly deps: StationRouterDeps) {}

  /** The plan of a station in the list, by id. */
  get(id: string): StationPlan | undefined {
    return this.plans.get(id);
  }

  /** Applies a diff; resolves once the store knows the stations' names (a failure there is logged, not thrown). */
  async apply(diff: StationsDiff, config: StationsConfig): Promise<void> {
    const { scheduler, live, pipeline, store, logger } = this.deps;
    pipeline.setJunk(config.junk);
    for (const s of diff.removed) {
      this.plans.delete(s.id);
      scheduler.remove(s.id);
      live.remove(s.id);
      pipeline.tracker.forget(s.id);
    }
    const upserted = [...diff.added, ...diff.changed];
    for (const s of upserted) {
      const plan = planStation(s, 1000 * (s.intervalSeconds ?? this.deps.intervalSeconds ?? config.defaults.intervalSeconds));
      this.plans.set(s.id, plan);
      if (isLive(s)) {
        scheduler.remove(s.id);
        live.upsert(s);
      } else {
        live.remove(s.id);
        scheduler.upsert(plan.task);
      }
    }
    pipeline.retainFeeds([...this.plans.values()].map((p) => p.station));
    if (upserted.length || diff.removed.length)
      logger.info({ added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, stations: this.plans.size }, 'stations loaded');
    try {
      await store.upsertStations(upserted.map((s) => ({ id: s.id, name: s.name })));
    } catch (err) {
      logger.error({ err }, 'cannot write station names to the database; polling goes on');
    }
  }
}
