import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { Observers } from '../../src/crawler/observers.ts';
import { RETRY_CAP_MS, WriteLoop } from '../../src/crawler/write-loop.ts';
import type { Logger } from '../../src/log.ts';
import type { Flushed, PlayStore } from '../../src/store/contract.ts';

/** A store whose commits fail while `away` is set, recording when each was tried. */
function flakyStore(clock: ManualClock) {
  const state = { away: false, attempts: [] as number[], pending: 1 };
  const store = {
    pending: () => state.pending,
    flush: async (): Promise<Flushed> => {
      state.attempts.push(clock.now());
      if (state.away) throw new Error('connection refused');
      return { opened: [], silenced: [], fenced: [] };
    },
  } as unknown as PlayStore;
  return { store, state };
}

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push({ level, msg: msg ?? String(_obj) });
  return { logger: { error: at('error'), info: at('info'), warn: at('warn'), debug: at('debug') } as unknown as Logger, lines };
}

describe('the write loop', () => {
  it('backs off while the database is away, logs the outage once, and returns to its beat when it is back', async () => {
    const clock = new ManualClock(0);
    const { store, state } = flakyStore(clock);
    const { logger, lines } = recordingLogger();
    const loop = new WriteLoop({ store, clock, logger, observers: new Observers(logger), everyMs: 250 });
    loop.start();
    await clock.advance(1_000);
    expect(state.attempts).toEqual([250, 500, 750, 1_000]);
    state.away = true;
    state.attempts = [];
    await clock.advance(30_000);
    const gaps = state.attempts.slice(1).map((t, i) => t - state.attempts[i]!);
    expect(gaps.slice(0, 5)).toEqual([500, 1_000, 2_000, 4_000, RETRY_CAP_MS]);
    expect(Math.max(...gaps)).toBe(RETRY_CAP_MS);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    state.away = false;
    await clock.advance(RETRY_CAP_MS);
    state.attempts = [];
    await clock.advance(1_000);
    expect(state.attempts).toHaveLength(4);
    expect(lines.filter((l) => l.msg === 'database writes recovered')).toHaveLength(1);
    await loop.stop();
  });
});
