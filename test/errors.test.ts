// The error catalogue: every code has its policy in one table, errors read theirs from it, and classify()
// turns any thrown value into the one reading that health, logs and the scheduler use.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { classify, ConfigError, ERRORS, MountAbsentError, NetworkError, OnairError, ParseError, ResponseError } from '../src/errors.ts';

describe('the error catalogue', () => {
  it('knows every ONAIR_ code that src/ names, and names none that src/ never uses', () => {
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (full.endsWith('.ts') && !full.endsWith(join('src', 'errors.ts')))
          for (const m of readFileSync(full, 'utf8').matchAll(/'(ONAIR_[A-Z_]+)'/g)) used.add(m[1]!);
      }
    };
    walk(join(import.meta.dirname, '../src'));
    const known = Object.keys(ERRORS);
    expect([...used].filter((c) => !known.includes(c))).toEqual([]);
    // Thrown only by errors.ts's own classes or by classify().
    const implicit = ['ONAIR_CONFIG', 'ONAIR_PARSE', 'ONAIR_MOUNT_ABSENT', 'ONAIR_BUG'];
    expect(known.filter((c) => !used.has(c) && !implicit.includes(c))).toEqual([]);
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

  it('keeps nothing of the code that threw it alive: a failure is held for a round, the reader that raised it is not', async () => {
    // An unformatted V8 stack keeps each frame's receiver; the feed cache keeps a failed round's error.
    class Reader {
      readonly buffer = Buffer.alloc(64 * 1024);
      fail(): OnairError {
        try {
          JSON.parse('<html>');
        } catch (cause) {
          return new ParseError('not JSON', { cause });
        }
        throw new Error('JSON.parse accepted HTML');
      }
    }
    const raise = () => {
      const reader = new Reader();
      return { error: reader.fail(), reader: new WeakRef(reader) };
    };
    const { error, reader } = raise();
    // A WeakRef's target lives to the end of the turn that made it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    v8.setFlagsFromString('--expose_gc');
    (vm.runInNewContext('gc') as () => void)();
    expect(reader.deref()).toBeUndefined();
    expect(error.stack).toContain('Reader.fail');
  });
});
