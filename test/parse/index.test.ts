import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/stations/schema.ts';
import { FEED_FORMATS, type FeedFormat } from '../../src/types.ts';
import { feedParsers, normalizeNowPlaying, parseFeed } from '../../src/parse/index.ts';
import { fixture } from './fixtures.ts';

const feed = (format: FeedFormat, extra: Record<string, string> = {}): FeedConfig => ({ url: 'http://radio.example:8000/x?sid=1', format, ...extra }) as FeedConfig;

describe('feed parsers', () => {
  it('has a parser for every feed format', () => {
    expect(Object.keys(feedParsers).sort()).toEqual([...FEED_FORMATS].sort());
  });

  it.each([
    ['icecast-json', 'icecast-json/mojibake-title.json', { mount: '/metal' }, { raw: 'Mötley Crüe - Live at the Café', artist: 'Mötley Crüe', title: 'Live at the Café' }],
    ['icecast-json', 'icecast-json/numeric-references.json', { mount: '/world' }, { raw: '坂本九 – Sukiyaki', artist: null, title: '坂本九 – Sukiyaki' }],
    ['icecast-json', 'icecast-json/lone-dash-title.json', { mount: '/test' }, null],
    ['icecast-json', 'icecast-json/lone-dash-artist.json', { mount: '/soul.ogg' }, { raw: 'Feeling Good', artist: null, title: 'Feeling Good' }],
    ['icecast-xml', 'icecast-xml/admin-stats.xml', { mount: '/pop' }, { raw: 'Beyoncé - Halo', artist: 'Beyoncé', title: 'Halo' }],
    ['shoutcast-v1', 'shoutcast-v1/commas-in-title.html', {}, { raw: 'Crosby, Stills, Nash & Young - Teach Your Children', artist: 'Crosby, Stills, Nash & Young', title: 'Teach Your Children' }],
    ['shoutcast-v2', 'shoutcast-v2/three-spaces.xml', {}, { raw: 'Daft Punk - One More Time', artist: 'Daft Punk', title: 'One More Time' }],
    ['xml', 'xml/triton-nowplaying.xml', { title: 'nowplaying-info-list.nowplaying-info.property[name=cue_title]', artist: 'nowplaying-info-list.nowplaying-info.property[name=track_artist_name]' }, { raw: "Queen - Don't Stop Me Now <Remastered 2011> & More", artist: 'Queen', title: "Don't Stop Me Now <Remastered 2011> & More" }],
    ['json', 'json/azuracast-nowplaying.json', { title: 'now_playing.song.text' }, { raw: 'Beach House - Space Song', artist: 'Beach House', title: 'Space Song' }],
  ] as const)('%s %s parses and normalises to what was played', (format, file, extra, expected) => {
    const np = parseFeed(fixture(file), feed(format, extra));
    expect(np && normalizeNowPlaying(np)).toEqual(expected);
  });
});
