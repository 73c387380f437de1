// Applies each change of the station list, and of this node's leases, to the parts that act on it: each
// station is compiled into its plan once (pipeline/station-plan.ts) and placed in its partition; a station of
// a partition this node owns is polled (a live-mode stream station gets a held connection, every other one a
// place on the schedule), any other station waits for its partition to come this way. A removed station, or
// one whose partition was lost, leaves both, and its change detection is forgotten. The store learns each
// station's name.
import { partitionOf } from '../cluster/partitions.ts';
import type { Ownership } from '../cluster/lease-keeper.ts';
import type { Logger } from '../log.ts';
import type { LiveStreams } from '../pipeline/live-streams.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { isLive, planStation, type StationPlan } from '../pipeline/station-plan.ts';
import type { Scheduler, TaskStart } from '../scheduler/scheduler.ts';
import type { StationsDiff } from '../stations/registry.ts';
import type { StationsConfig } from '../stations/schema.ts';
import type { Lease, PlayStore } from '../store/contract.ts';

/** A station taken over from another node is polled within this long (at its phase), not within its interval. */
export const TAKEOVER_SPREAD_MS = 1_000;

export interface StationRouterDeps {
  scheduler: Scheduler;
  live: LiveStreams;
  pipeline: Pipeline;
  store: PlayStore;
  logger: Logger;
  /** The command line's interval (seconds), over the file's default. */
  intervalSeconds: number | undefined;
  /** Whether this node owns a partition now. */
  owns(part: number): boolean;
  /** Commits the queued writes (before partitions are given back). */
  flush(): Promise<void>;
}

export class StationRouter implements Ownership {
  private readonly plans = new Map<string, StationPlan & { part: number }>();
  private readonly byPart = new Map<number, Set<string>>();

  constructor(private readonly deps: StationRouterDeps) {}

  /** The plan of a station in the list, by id. */
  get(id: string): StationPlan | undefined {
    return this.plans.get(id);
  }

  /** The partition of a station in the list. */
  partOf(id: string): number | undefined {
    return this.plans.get(id)?.part;
  }

  /** Stations polled by this node now. */
  get active(): number {
    return this.deps.scheduler.size + this.deps.live.size;
  }

  /** Applies a diff; resolves once the store knows the stations' names (a failure there is logged, not thrown). */
  async apply(diff: StationsDiff, config: StationsConfig): Promise<void> {
    const { pipeline, store, logger } = this.deps;
    pipeline.setJunk(config.junk);
    for (const s of diff.removed) {
      this.place(s.id, undefined);
      this.plans.delete(s.id);
      this.deactivate(s.id);
    }
    const upserted = [...diff.added, ...diff.changed];
    for (const s of upserted) {
      const plan = { ...planStation(s, 1000 * (s.intervalSeconds ?? this.deps.intervalSeconds ?? config.defaults.intervalSeconds)), part: partitionOf(s) };
      this.place(s.id, plan.part);
      this.plans.set(s.id, plan);
      if (this.deps.owns(plan.part)) this.activate(plan);
      else this.deactivate(s.id);
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

  /**
   * Restores what the database says of the new partitions' stations (their open plays, so a title still on
   * air is not recorded again; their failures, so a failing server's backoff goes on), then polls them: within
   * TAKEOVER_SPREAD_MS when taken over from another node, over their interval when this node is starting
   * (all of them within a second would be a burst of every station at boot).
   */
  async gained(leases: readonly Lease[], takenOver: boolean): Promise<void> {
    const plans = leases.flatMap((l) => [...(this.byPart.get(l.part) ?? [])].map((id) => this.plans.get(id)!));
    if (plans.length === 0) return;
    const ids = plans.map((p) => p.station.id);
    const [open, health] = await Promise.all([this.deps.store.openPlaysOf(ids), this.deps.store.healthOf(ids)]);
    this.deps.pipeline.restore(open);
    for (const plan of plans) {
      // Owned still (a round that lost it again may have run meanwhile) and not already running.
      if (!this.deps.owns(plan.part)) continue;
      const h = health.get(plan.station.id);
      this.activate(plan, { withinMs: takenOver ? TAKEOVER_SPREAD_MS : undefined, failures: h?.consecutiveFailures ?? 0, lastFailureAt: h?.lastErrorAt ?? undefined });
    }
  }

  lost(parts: readonly number[]): void {
    const ids = this.stationsIn(parts);
    for (const id of ids) this.deactivate(id);
    this.deps.store.discard(ids);
  }

  async releasing(parts: readonly number[]): Promise<void> {
    for (const id of this.stationsIn(parts)) this.deactivate(id);
    await this.deps.flush();
  }

  private stationsIn(parts: readonly number[]): Set<string> {
    return new Set(parts.flatMap((p) => [...(this.byPart.get(p) ?? [])]));
  }

  private activate(plan: StationPlan, start?: TaskStart): void {
    const { scheduler, live } = this.deps;
    if (isLive(plan.station)) {
      scheduler.remove(plan.station.id);
      live.upsert(plan.station);
    } else {
      live.remove(plan.station.id);
      scheduler.upsert(plan.task, start);
    }
  }

  private deactivate(id: string): void {
    this.deps.scheduler.remove(id);
    this.deps.live.remove(id);
    this.deps.pipeline.tracker.forget(id);
  }

  /** Moves a station to its partition's set (undefined: out of every set). */
  private place(id: string, part: number | undefined): void {
    const before = this.plans.get(id)?.part;
    if (before === part) return;
    if (before !== undefined) this.byPart.get(before)?.delete(id);
    if (part !== undefined) {
      let set = this.byPart.get(part);
      if (!set) this.byPart.set(part, (set = new Set()));
      set.add(id);
    }
  }
}
