// The lease rules of one node as pure functions: what it holds, when each lease runs out on its own clock,
// and what a round of renewal tells it to drop, take and give back. Times are the node's monotonic
// milliseconds; the database judges expiry by its own clock, these deadlines only make a node stop early.
import type { Lease } from '../store/contract.ts';
import { PARTITIONS } from './partitions.ts';

export interface LeaseTimes {
  /** How long a lease lasts past its last renewal (on the database's clock). */
  ttlMs: number;
  /** How often a node renews (a third of the TTL: two renewals may fail before a lease runs out). */
  renewEveryMs: number;
  /** A node stops this long before its lease could run out, so it never polls what someone else may own. */
  marginMs: number;
}

/** Partitions one node gives back per round at most, so a join moves ownership in steps, flushing in between. */
export const MAX_RELEASE_PER_ROUND = 16;

/** A lease held: its epoch (the fencing token every write carries) and when the node stops trusting it. */
export interface Held {
  epoch: number;
  deadline: number;
}

export type Holdings = ReadonlyMap<number, Held>;

/** Partitions each node should own while `liveNodes` are alive (the node itself included). */
export function fairShare(liveNodes: number): number {
  return Math.ceil(PARTITIONS / Math.max(1, liveNodes));
}

/** A lease renewed (or taken) by a request sent at `sentAt` is trusted until this time. */
export function deadlineOf(sentAt: number, times: LeaseTimes): number {
  return sentAt + times.ttlMs - times.marginMs;
}

/** Leases taken by a request sent at `sentAt`, added to what is held. */
export function gain(held: Holdings, taken: readonly Lease[], sentAt: number, times: LeaseTimes): Map<number, Held> {
  const next = new Map(held);
  for (const l of taken) next.set(l.part, { epoch: l.epoch, deadline: deadlineOf(sentAt, times) });
  return next;
}

/** What a node does after a renewal round answered. */
export interface RoundPlan {
  held: Map<number, Held>;
  /** Held, but not renewed: someone took them (or the database lost them). Stop polling them now. */
  lost: number[];
  /** How many unowned or expired partitions to try to take. */
  take: number;
  /** Partitions to give back (flush first): the node holds more than its share. */
  giveBack: Lease[];
}

/**
 * After a renewal sent at `sentAt` returned `renewed` (the partitions still ours, at their epochs) and the
 * number of live nodes: renewed leases get a new deadline, the rest are lost, and the node takes what it
 * lacks of its fair share or gives back (at most MAX_RELEASE_PER_ROUND, the highest first) what it holds past
 * its share plus one (the slack keeps two nodes from trading a partition back and forth).
 */
export function planRound(held: Holdings, renewed: readonly number[], liveNodes: number, sentAt: number, times: LeaseTimes): RoundPlan {
  const still = new Set(renewed);
  const next = new Map<number, Held>();
  const lost: number[] = [];
  for (const [part, h] of held) {
    if (still.has(part)) next.set(part, { epoch: h.epoch, deadline: deadlineOf(sentAt, times) });
    else lost.push(part);
  }
  const share = fairShare(liveNodes);
  const take = Math.max(0, share - next.size);
  let giveBack: Lease[] = [];
  if (next.size > share + 1) {
    const count = Math.min(MAX_RELEASE_PER_ROUND, next.size - share);
    giveBack = [...next].sort(([a], [b]) => b - a).slice(0, count).map(([part, h]) => ({ part, epoch: h.epoch }));
  }
  return { held: next, lost: lost.sort((a, b) => a - b), take, giveBack };
}

/** Leases whose local deadline has passed by `now` (the renewals stopped answering): drop them. */
export function overdue(held: Holdings, now: number): number[] {
  return [...held].filter(([, h]) => h.deadline <= now).map(([part]) => part).sort((a, b) => a - b);
}

/** The earliest deadline held, or undefined when nothing is. */
export function nextDeadline(held: Holdings): number | undefined {
  let min: number | undefined;
  for (const h of held.values()) if (min === undefined || h.deadline < min) min = h.deadline;
  return min;
}

/** `held` without `parts`. */
export function without(held: Holdings, parts: Iterable<number>): Map<number, Held> {
  const next = new Map(held);
  for (const p of parts) next.delete(p);
  return next;
}
