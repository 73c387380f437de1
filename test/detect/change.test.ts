import { describe, expect, it } from 'vitest';
import { ChangeTracker, detectChange } from '../../src/detect/change.ts';

const np = (raw: string) => ({ raw, artist: null, title: raw });

describe('change detection', () => {
  it('reports a change only when the text differs from the previous one', () => {
    expect(detectChange(null, np('A - B'))).toEqual({ key: 'A - B' });
    expect(detectChange('A - B', np('A - B'))).toBeUndefined();
    expect(detectChange('A - B', np('A - C'))).toEqual({ key: 'A - C' });
  });

  it('treats "nothing playing" as a state: entering it is a change, staying in it is not', () => {
    expect(detectChange('A - B', null)).toEqual({ key: null });
    expect(detectChange(null, null)).toBeUndefined();
  });

  it('continues from restored open plays, so a restart does not record the song on air again', () => {
    const tracker = new ChangeTracker();
    tracker.restore([['s1', 'A - B']]);
    expect(tracker.observe('s1', np('A - B'))).toBe(false);
    expect(tracker.observe('s1', np('A - C'))).toBe(true);
    expect(tracker.observe('s1', np('A - C'))).toBe(false);
    expect(tracker.observe('s2', null)).toBe(false);
    expect(tracker.observe('s2', np('X'))).toBe(true);
  });

  it('forgets a removed station, so re-adding it starts afresh', () => {
    const tracker = new ChangeTracker();
    expect(tracker.observe('s1', np('X'))).toBe(true);
    tracker.forget('s1');
    expect(tracker.observe('s1', np('X'))).toBe(true);
  });
});
