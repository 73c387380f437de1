// The last hour of the crawler, one sample a minute, kept in memory for the page's chart (GET /api/stats):
// changes, polls, failures and schedule lag per minute. Lost on restart; Prometheus keeps the long view.
import type { Clock, TimerHandle } from '../clock.ts';
import type { CrawlerView } from '../crawler/view.ts';

export interface MinuteSample {
  /** End of the minute, ISO 8601 UTC. */
  at: string;
  changes: number;
  polls: number;
  failures: number;
  /** Schedule lag of the minute's polls (0 without polls). */
  lagMeanMs: number;
  lagMaxMs: number;
}

const MINUTE_MS = 60_000;
const KEEP = 60;

export class MinuteStats {
  private readonly samples: MinuteSample[] = [];
  private minute = { polls: 0, failures: 0, lagSum: 0, lagCount: 0, lagMax: 0 };
  private changesAtStart: number;
  private timer: TimerHandle | undefined;
  private readonly unobserve: () => void;

  constructor(
    private readonly crawler: CrawlerView,
    private readonly clock: Clock,
  ) {
    // Changes are counted by the pipeline (live streams too); polls and lag are seen as they happen.
    this.changesAtStart = crawler.stats().changes;
    this.unobserve = crawler.observe({
      poll: (_station, result) => {
        this.minute.polls++;
        if (result !== 'ok') this.minute.failures++;
      },
      lag: (ms) => {
        this.minute.lagSum += ms;
        this.minute.lagCount++;
        this.minute.lagMax = Math.max(this.minute.lagMax, ms);
      },
    });
    this.arm();
  }

  /** Oldest first, at most an hour. */
  get lastHour(): readonly MinuteSample[] {
    return this.samples;
  }

  stop(): void {
    this.timer?.cancel();
    this.unobserve();
  }

  private arm(): void {
    this.timer = this.clock.setTimer(MINUTE_MS, () => {
      this.take();
      this.arm();
    });
  }

  private take(): void {
    const m = this.minute;
    const changes = this.crawler.stats().changes;
    this.samples.push({
      at: new Date(this.clock.now()).toISOString(),
      changes: changes - this.changesAtStart,
      polls: m.polls,
      failures: m.failures,
      lagMeanMs: m.lagCount ? Math.round(m.lagSum / m.lagCount) : 0,
      lagMaxMs: Math.round(m.lagMax),
    });
    if (this.samples.length > KEEP) this.samples.shift();
    this.changesAtStart = changes;
    this.minute = { polls: 0, failures: 0, lagSum: 0, lagCount: 0, lagMax: 0 };
  }
}
