// How long the cluster tests' leases and titles are and how big a run is, the same for PostgreSQL nodes and
// SQLite workers: quick in CI, full with ONAIR_FULL (test/faults/mode.ts).
import { sized } from '../faults/mode.ts';

// Short leases keep the run short; ONAIR_LEASE_S=6 runs it with the default lease.
export const LEASE_S = Number(process.env.ONAIR_LEASE_S ?? 3);
/**
 * Titles last 0.75 to 1.25 times this: every one outlasts a failover (a lease, a round, a first poll, and for
 * a stopped SQLite worker the supervisor's watch), which is what the protocol promises to record.
 */
export const CHANGE_EVERY_S = Math.max(12, 4 * LEASE_S);
export const KILLS = sized(3, 10);
export const STATIONS = sized(240, 600);
