// One snapshot of the crawler's counters, read from the parts that keep them. The API, the metrics and the
// `stats` log line all read this one shape.
import type { HttpClient } from '../fetch/http.ts';
import type { LiveStreams } from '../pipeline/live-streams.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { CrawlerStats, WriteStats } from './view.ts';

export interface StatsSources {
  scheduler: Scheduler;
  live: LiveStreams;
  pipeline: Pipeline;
  http: HttpClient;
  writes: WriteStats;
}

export function snapshotStats({ scheduler, live, pipeline, http, writes }: StatsSources): CrawlerStats {
  const { lag } = scheduler;
  const p = pipeline.stats;
  return {
    stations: scheduler.size + live.size,
    polled: scheduler.size,
    live: live.size,
    polls: p.polls,
    reads: p.reads,
    changes: p.changes,
    failures: p.failures,
    notModified: p.notModified,
    inFlight: scheduler.inFlightCount,
    lagP50Ms: lag.percentile(50),
    lagP99Ms: lag.percentile(99),
    lagMaxMs: lag.percentile(100),
    bytes: { http: http.bytesRead, live: live.bytesRead, snapshot: p.streamBytes },
    writes: { ...writes },
  };
}
