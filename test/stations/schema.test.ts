import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateStations, type Station } from '../../src/stations/schema.ts';
import { diffStations, StationRegistry, type StationsDiff } from '../../src/stations/registry.ts';
import { writeStationsFile } from '../../src/stations/stations-file.ts';
import { tempDir } from '../helpers/crawl.ts';

const ok = { id: 'a', feed: { url: 'http://x.example/7.html', format: 'shoutcast-v1' } };
const errorOf = (data: unknown) => {
  try {
    validateStations(data, 'stations.json');
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('stations.json validation', () => {
  it('accepts the design example and fills in defaults', () => {
    const config = validateStations(
      {
        defaults: { intervalSeconds: 10 },
        stations: [
          { id: 'groove', name: 'Groove Salad', feed: { url: 'https://example.org/songs/groove.xml', format: 'xml', title: 'songs.song[0].title', artist: 'songs.song[0].artist' }, stream: { url: 'https://example.org/groove-128-mp3', mode: 'snapshot' } },
          { id: 'jazz', feed: { url: 'http://radio.example:8000/status-json.xsl', format: 'icecast-json', mount: '/jazz' } },
          { id: 'icy', stream: { url: 'http://radio.example:8000/icy' } },
        ],
      },
      'stations.json',
    );
    expect(config.defaults.intervalSeconds).toBe(10);
    expect(config.stations[2]!.stream).toEqual({ url: 'http://radio.example:8000/icy', mode: 'snapshot' });
  });

  it.each([
    ['an unknown key', { stations: [{ ...ok, colour: 'red' }] }, 'stations.json: station "a": field "colour": unknown key "colour"'],
    ['an unknown feed key', { stations: [{ id: 'a', feed: { ...ok.feed, moutn: '/x' } }] }, 'station "a": field "feed.moutn": unknown key "moutn"'],
    ['an Icecast feed without a mount', { stations: [{ id: 'a', feed: { url: 'http://x/status-json.xsl', format: 'icecast-json' } }] }, 'station "a": field "feed.mount": a mount ("/name") is required'],
    ['a generic feed without a title path', { stations: [{ id: 'a', feed: { url: 'http://x/a.json', format: 'json' } }] }, 'field "feed.title": a path to the title is required for this format'],
    ['a title path that does not parse', { stations: [{ id: 'a', feed: { url: 'http://x/a.json', format: 'json', title: 'a[' } }] }, 'field "feed.title": invalid path "a["'],
    ['an artist path with a broken selector', { stations: [{ id: 'a', feed: { url: 'http://x/a.xml', format: 'xml', title: 'a', artist: 'p[=x]' } }] }, 'field "feed.artist": invalid selector "[=x]"'],
    ['a scheme other than http(s)', { stations: [{ id: 'a', feed: { ...ok.feed, url: 'file:///etc/passwd' } }] }, 'field "feed.url": must be an http:// or https:// URL'],
    ['a format onair does not read', { stations: [{ id: 'a', feed: { ...ok.feed, format: 'rss' } }] }, 'station "a": field "feed.format": must be one of icecast-json, icecast-xml'],
    ['a station with neither feed nor stream', { stations: [{ id: 'a' }] }, 'station "a": a station needs a "feed", a "stream", or both'],
    ['a duplicate id', { stations: [ok, ok] }, 'field "id": duplicate id "a"'],
    ['an id that could be a path', { stations: [{ ...ok, id: '../etc' }] }, 'station "../etc": field "id": must be 1-64 letters'],
    ['a charset no decoder knows', { stations: [{ ...ok, charset: 'klingon' }] }, 'field "charset": is not a charset'],
    ['a station without an id', { stations: [{ feed: ok.feed }] }, 'station #1: field "id"'],
    ['an unknown top-level key', { stations: [], extra: 1 }, 'stations.json: field "extra": unknown key "extra"'],
  ])('rejects %s, naming the file, the station and the field', (_name, data, message) => {
    expect(errorOf(data)).toContain(message);
  });
});

describe('station registry', () => {
  it('diffs two lists into added, removed and changed stations', () => {
    const a: Station = { id: 'a', stream: { url: 'http://x/a', mode: 'snapshot' } };
    const b: Station = { id: 'b', stream: { url: 'http://x/b', mode: 'snapshot' } };
    const b2: Station = { ...b, name: 'B' };
    const c: Station = { id: 'c', stream: { url: 'http://x/c', mode: 'live' } };
    expect(diffStations([a, b], [b2, c])).toEqual({ added: [c], removed: [a], changed: [b2] });
  });

  it('reloads the file when it is replaced atomically, and keeps the last good list on a bad edit', async () => {
    const { dir, cleanup } = tempDir();
    const file = join(dir, 'stations.json');
    writeStationsFile(file, { stations: [ok] });
    const diffs: StationsDiff[] = [];
    const errors: string[] = [];
    let notify: () => void = () => {};
    const registry = new StationRegistry(file, {
      onChange: (d) => (diffs.push(d), notify()),
      onError: (e) => (errors.push((e as Error).message), notify()),
    });
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    registry.watch();
    try {
      let event = next();
      writeStationsFile(file, { stations: [ok, { ...ok, id: 'b' }] });
      await event;
      expect(diffs.at(-1)!.added.map((s) => s.id)).toEqual(['b']);
      event = next();
      writeFileSync(file, '{ "stations": [ { "id": "a" ');
      await event;
      expect(errors.at(-1)).toContain('not valid JSON');
      expect(registry.stations.map((s) => s.id)).toEqual(['a', 'b']);
    } finally {
      registry.close();
      cleanup();
    }
  });
});
