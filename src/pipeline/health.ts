// A station's health as polls and live streams report it: a success clears it; a failure is classified by
// the error catalogue, recorded, logged once, and handed back with what the scheduler is to do about it.
// Acting on that is the caller's (the scheduler parks, backs off or retries rarely; live streams reconnect).
import type { Clock } from '../clock.ts';
import { classify, isFinal, type Fault } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PollResult } from '../scheduler/scheduler.ts';

export interface Failure extends Fault {
  /** What the policy asks of the scheduler (an absent mount is polled on at its interval: 'ok'). */
  result: PollResult;
}

function resultOf(fault: Fault): PollResult {
  if (isFinal(fault.policy)) return 'disabled';
  return fault.policy === 'rare' ? 'rare' : fault.policy === 'absent' ? 'ok' : 'failed';
}

export class HealthRecorder {
  /** The quiet fault (rare or absent) each station was last told about: said once, not every retry. */
  private readonly told = new Map<string, string>();

  /** Only the store's health write: nothing else of the store is needed here. */
  constructor(private readonly deps: { store: { recordPoll(station: string, at: number, error: string | null): void }; clock: Clock; logger: Logger }) {}

  /** The station answered: its health is clear, and its next quiet fault is told again. */
  ok(stationId: string, at: number): void {
    this.deps.store.recordPoll(stationId, at, null);
    this.told.delete(stationId);
  }

  /** Records `err` as the station's health and logs it once; `what` failed: 'poll' or 'live stream'. */
  failed(stationId: string, err: unknown, what: string): Failure {
    const { store, clock, logger } = this.deps;
    const fault = classify(err);
    const result = resultOf(fault);
    store.recordPoll(stationId, clock.now(), fault.health);
    const line = { station: stationId, code: fault.reported, reason: fault.message };
    if (fault.bug) logger.error({ station: stationId, code: fault.code, err }, `${what} crashed (a bug); station disabled until its entry changes`);
    else if (result === 'disabled') logger.error(line, `${what} failed; station disabled until its entry changes`);
    else if (fault.policy === 'rare' || fault.policy === 'absent') {
      if (this.told.get(stationId) === fault.code) logger.debug(line, `${what} failed`);
      else logger.warn(line, fault.policy === 'rare' ? `${what} failed; retrying rarely` : 'mount absent; its song ends if it stays away');
      this.told.set(stationId, fault.code);
    } else logger.warn(line, `${what} failed`);
    return { ...fault, result };
  }
}
