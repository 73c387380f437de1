// The error catalogue: every code has its policy in one table, errors read theirs from it, and classify()
// turns any thrown value into the one reading that health, logs and the scheduler use.
import { describe, expect, it } from 'vitest';
import { classify, ConfigError, ERRORS, MountAbsentError, NetworkError, OnairError, ParseError, ResponseError } from '../src/errors.ts';

describe('the error catalogue', () => {
  it('gives every ONAIR_ code a policy and a meaning', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^ONAIR_[A-Z_]+$/);
      expect(['backoff', 'rare', 'absent', 'disable', 'stop']).toContain(entry.policy);
      expect(entry.meaning.length).toBeGreaterThan(10);
    }
  });

  it('takes each error\'s policy from the table, not from the thrower', () => {
    expect(new ResponseError('ONAIR_HTTP_STATUS', 'HTTP 503', 503).policy).toBe('backoff');
    expect(new OnairError('ONAIR_NO_METADATA', 'no metadata').policy).toBe('rare');
    expect(new MountAbsentError('mount /jazz is not in the document')).toMatchObject({ code: 'ONAIR_MOUNT_ABSENT', policy: 'absent' });
    expect(new ConfigError('bad field')).toMatchObject({ code: 'ONAIR_CONFIG', policy: 'disable' });
    expect(new ParseError('garbage')).toMatchObject({ code: 'ONAIR_PARSE', policy: 'backoff' });
  });

  it('names the system code of a network failure in health, as operators know it', () => {
    const err = new NetworkError('ONAIR_NETWORK', 'read ECONNRESET', { detail: 'ECONNRESET' });
    expect(classify(err)).toEqual({ code: 'ONAIR_NETWORK', reported: 'ECONNRESET', message: 'read ECONNRESET', policy: 'backoff', bug: false, health: 'ECONNRESET: read ECONNRESET' });
  });

  it('reads anything that is not an OnairError as a bug that disables the station', () => {
    expect(classify(new TypeError("x is not a function"))).toEqual({
      code: 'ONAIR_BUG',
      reported: 'ONAIR_BUG',
      message: 'TypeError: x is not a function',
      policy: 'disable',
      bug: true,
      health: 'ONAIR_BUG: TypeError: x is not a function',
    });
    expect(classify('thrown text')).toMatchObject({ code: 'ONAIR_BUG', message: 'thrown text', bug: true });
  });
});
