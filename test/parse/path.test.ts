import { describe, expect, it } from 'vitest';
import { resolvePath } from '../../src/parse/path.ts';
import { parsePath } from '../../src/stations/path-syntax.ts';

const doc = {
  songs: { song: [{ title: 'First' }, { title: 'Second' }] },
  one: { song: { title: 'Only' } },
  props: { property: [{ '@_name': 'cue_title', '#text': 'Cue' }, { name: 'artist', value: 'Field' }, { '@_name': 'a.b', '#text': 'Dotted' }] },
};

describe('station paths', () => {
  it.each([
    ['songs.song[1].title', 'Second'],
    ['songs.song.title', 'First'],
    ['one.song[0].title', 'Only'],
    ['one.song[1].title', undefined],
    ['props.property[name=cue_title]', { '@_name': 'cue_title', '#text': 'Cue' }],
    ['props.property[@name="cue_title"]', { '@_name': 'cue_title', '#text': 'Cue' }],
    ["props.property[name='artist'].value", 'Field'],
    ['props.property[name=a.b]', { '@_name': 'a.b', '#text': 'Dotted' }],
    ['props.property[name=missing]', undefined],
    ['songs.nothing.title', undefined],
    ['songs.toString', undefined],
  ])('resolves %s', (path, expected) => {
    expect(resolvePath(doc, parsePath(path))).toEqual(expected);
  });

  it.each(['', 'a..b', '.a', 'a.', 'a[0', 'a]', 'a[=x]', 'a[0]b'])('rejects the malformed path %j, saying it is invalid', (path) => {
    expect(() => parsePath(path)).toThrow(/invalid (path|selector)/);
  });
});
