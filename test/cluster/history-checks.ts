// What a shared history must show after a cluster run with faults, whatever the faults were: every title of
// the farm that was on air long enough recorded once and in order, no two plays of a station overlapping,
// and no play committed under a lease that had already moved on. auditHistory is pure (rows in, findings
// out); expectSoundHistory asserts the findings.
import { expect } from 'vitest';
import { scoreCrawl, type CrawlScore } from '../farm/score.ts';
import type { Farm } from '../farm/farm.ts';

export interface AuditedPlay {
  id: number;
  station: string;
  raw: string;
  startedAt: number;
  endedAt: number | null;
  writer: string | null;
  part: number | null;
  epoch: number | null;
}

export interface HistoryFindings {
  score: CrawlScore;
  /** "station: play #a overlaps play #b" */
  overlaps: string[];
  /** "part p: id n at epoch e after epoch f": a write that landed after a newer owner's. */
  staleWrites: string[];
  /** Plays without the lease they were written under. */
  unfenced: number;
}

export function auditHistory(farm: Farm, plays: AuditedPlay[], window: { from: number; to: number }): HistoryFindings {
  const score = scoreCrawl(farm.schedule, farm.plan, plays.map((p) => ({ station: p.station, raw: p.raw, at: p.startedAt })), window);
  const overlaps: string[] = [];
  const byStation = new Map<string, AuditedPlay[]>();
  for (const p of plays) byStation.set(p.station, [...(byStation.get(p.station) ?? []), p]);
  for (const [station, list] of byStation) {
    list.sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      if (prev.endedAt === null || list[i]!.startedAt < prev.endedAt) overlaps.push(`${station}: play #${prev.id} overlaps play #${list[i]!.id}`);
    }
  }
  // Ids are commit-ordered, so within a partition the epochs of the writes never go down: a lower epoch after
  // a higher one is a write from a node that had lost the partition.
  const staleWrites: string[] = [];
  const epochOf = new Map<number, number>();
  for (const p of [...plays].sort((a, b) => a.id - b.id)) {
    if (p.part === null || p.epoch === null) continue;
    const seen = epochOf.get(p.part) ?? 0;
    if (p.epoch < seen) staleWrites.push(`part ${p.part}: id ${p.id} at epoch ${p.epoch} after epoch ${seen}`);
    else epochOf.set(p.part, p.epoch);
  }
  return { score, overlaps, staleWrites, unfenced: plays.filter((p) => p.writer === null || p.epoch === null).length };
}

/** Asserts what every cluster run must end with: enough titles to judge, each once and in order, nothing from a fenced writer. */
export function expectSoundHistory(findings: HistoryFindings, minExpected: number): void {
  expect(findings.score.expected).toBeGreaterThan(minExpected);
  expect(findings.score.missedExamples).toEqual([]);
  expect(findings.score.recordedTwice).toBe(0);
  expect(findings.score.outOfOrder).toBe(0);
  expect(findings.overlaps).toEqual([]);
  expect(findings.staleWrites).toEqual([]);
  expect(findings.unfenced).toBe(0);
}
