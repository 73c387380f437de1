// Which partition a station belongs to: a fixed number of partitions (for the life of a database), keyed by
// the origin the station polls, so all mounts of one server land on one node and the one-fetch-per-page and
// per-host rules hold across the cluster. Pure.
import { hash32 } from '../scheduler/next-due.ts';
import type { Station } from '../stations/schema.ts';

/** Fixed for the life of a database: the lease table holds one row per partition. */
export const PARTITIONS = 256;

/** Scheme, host and port of what the station polls: its feed, else its stream (credentials and path left out). */
export function originOf(station: Station): string {
  return new URL(station.feed?.url ?? station.stream!.url).origin;
}

export function partitionOf(station: Station): number {
  return hash32(originOf(station)) % PARTITIONS;
}
