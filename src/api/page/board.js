// The now-playing board: rows from api/now, kept current by api/events (Server-Sent Events) without a
// reload, health re-read every 30 s, charts from api/stats every minute. Station data is untrusted: it
// reaches the DOM as text only, never as markup.
'use strict';

const $ = (sel) => document.querySelector(sel);
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Station id → { tr, data } where data is a row of api/now. */
const rows = new Map();
/** Play events that came before the board was loaded. */
let early = [];
let connected = false;

function el(tag, attrs = {}, text) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
}

function render(entry) {
  const d = entry.data;
  const playing = d.raw === null
    ? [el('span', { class: 'none' }, 'nothing playing')]
    : d.title !== null
      ? [el('span', { class: 'title' }, d.title), ...(d.artist ? [el('span', { class: 'artist' }, d.artist)] : [])]
      : [el('span', { class: 'title' }, d.raw)];
  const since = d.startedAt ? [el('time', { datetime: d.startedAt, title: new Date(d.startedAt).toLocaleString() }, ago(d.startedAt))] : [];
  const health = el('span', { class: `health ${d.health}` }, d.health);
  if (d.lastError) health.title = d.lastError;
  const cells = [
    [el('span', { class: 'name' }, d.name ?? d.station), ...(d.name ? [el('span', { class: 'id' }, d.station)] : [])],
    playing,
    since,
    [health],
  ];
  entry.tr.replaceChildren(...cells.map((nodes, i) => {
    const td = el('td', { class: ['station', 'playing', 'since', 'health-cell'][i] });
    td.append(...nodes);
    return td;
  }));
  entry.tr.dataset.station = d.station;
}

/** Applies api/now rows: new stations appear, removed ones go, a play newer than the row's (from SSE) stays. */
function loadBoard(list) {
  const seen = new Set();
  const tbody = $('#board tbody');
  for (const d of list) {
    seen.add(d.station);
    let entry = rows.get(d.station);
    if (!entry) {
      entry = { tr: el('tr'), data: d };
      rows.set(d.station, entry);
    } else {
      const keepPlay = entry.data.playId !== null && (d.playId === null || d.playId < entry.data.playId);
      const play = keepPlay ? pickPlay(entry.data) : pickPlay(d);
      entry.data = { ...d, ...play };
    }
    render(entry);
    tbody.append(entry.tr); // keeps the server's order
  }
  for (const [id, entry] of rows) if (!seen.has(id)) (entry.tr.remove(), rows.delete(id));
  applyFilter();
}

function showStatus() {
  const n = rows.size === 1 ? '1 station' : `${rows.size} stations`;
  $('#status').textContent = connected ? `Live · ${n}` : 'Connection lost; reconnecting…';
}

function pickPlay(d) {
  return { raw: d.raw, artist: d.artist, title: d.title, startedAt: d.startedAt, source: d.source, playId: d.playId };
}

function onPlay(id, play) {
  const entry = rows.get(play.station);
  if (!entry || (entry.data.playId !== null && id <= entry.data.playId)) return;
  entry.data = { ...entry.data, raw: play.raw, artist: play.artist, title: play.title, startedAt: play.startedAt, source: play.source, playId: id };
  render(entry);
  entry.tr.classList.remove('changed');
  void entry.tr.offsetWidth; // restarts the highlight animation
  entry.tr.classList.add('changed');
}

/** A station went silent: clear its row, unless a newer play already replaced the one that ended. */
function onEnd(play) {
  const entry = rows.get(play.station);
  if (!entry || entry.data.startedAt !== play.startedAt) return;
  entry.data = { ...entry.data, raw: null, artist: null, title: null, startedAt: null, source: null };
  render(entry);
}

function applyFilter() {
  const q = $('#filter').value.trim().toLowerCase();
  let shown = 0;
  for (const { tr, data } of rows.values()) {
    const match = !q || `${data.name ?? ''} ${data.station}`.toLowerCase().includes(q);
    tr.hidden = !match;
    if (match) shown++;
  }
  $('#empty').hidden = shown > 0 || rows.size === 0;
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

async function refreshBoard() {
  try {
    loadBoard((await getJson('api/now')).stations);
    if (connected) showStatus();
    if (early) {
      for (const [id, play] of early) onPlay(id, play);
      early = null;
    }
  } catch (err) {
    $('#status').textContent = `Could not load stations (${err.message}); retrying.`;
  }
}

function connect() {
  // EventSource reconnects on its own and sends Last-Event-ID, so the server replays what was missed.
  const events = new EventSource('api/events');
  events.addEventListener('play', (e) => {
    const item = [Number(e.lastEventId), JSON.parse(e.data)];
    if (early) early.push(item);
    else onPlay(...item);
  });
  events.addEventListener('end', (e) => {
    if (!early) onEnd(JSON.parse(e.data));
  });
  events.addEventListener('open', () => ((connected = true), showStatus()));
  events.addEventListener('error', () => ((connected = false), showStatus()));
}

/** Draws a chart of per-minute series into an SVG, hand-made: bars for the first series, lines for the rest. */
function drawChart(svg, minutes, series, label) {
  const W = 360, H = 120, L = 34, B = 16, T = 8;
  svg.replaceChildren();
  if (minutes.length === 0) {
    svg.append(el('svg:text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'No data yet: the first sample comes after a minute.'));
    svg.setAttribute('aria-label', `${label}: no data yet`);
    return;
  }
  const max = Math.max(1, ...series.flatMap((s) => minutes.map((m) => m[s.key])));
  const step = (W - L) / 60;
  const x = (i) => L + (60 - minutes.length + i) * step;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  svg.append(
    el('svg:text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, String(max)),
    el('svg:text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, '0'),
    el('svg:text', { x: L, y: H - 3 }, '−60 min'),
    el('svg:text', { x: W - 2, y: H - 3, 'text-anchor': 'end' }, 'now'),
  );
  for (const s of series) {
    if (s.kind === 'bar') {
      minutes.forEach((m, i) => {
        const bar = el('svg:rect', { class: 'bar', x: x(i) + 0.5, y: y(m[s.key]), width: Math.max(1, step - 1), height: H - B - y(m[s.key]) });
        bar.append(el('svg:title', {}, `${new Date(m.at).toLocaleTimeString()}: ${m[s.key]}`));
        svg.append(bar);
      });
    } else {
      const points = minutes.map((m, i) => `${x(i) + step / 2},${y(m[s.key])}`).join(' ');
      svg.append(el('svg:polyline', { class: s.key === 'lagMaxMs' ? 'max' : 'mean', points }));
    }
  }
  const last = minutes.at(-1);
  svg.setAttribute('aria-label', `${label}, last hour: latest minute ${series.map((s) => `${s.name} ${last[s.key]}`).join(', ')}; peak ${max}`);
}

async function refreshCharts() {
  try {
    const { minutes } = await getJson('api/stats');
    drawChart($('#chart-changes'), minutes, [{ key: 'changes', kind: 'bar', name: 'changes' }], 'Changes per minute');
    drawChart($('#chart-lag'), minutes, [{ key: 'lagMeanMs', kind: 'line', name: 'mean' }, { key: 'lagMaxMs', kind: 'line', name: 'max' }], 'Poll lag per minute in ms');
  } catch {
    // The board matters more; the next refresh tries again.
  }
}

$('#filter').addEventListener('input', applyFilter);
connect();
refreshBoard();
refreshCharts();
setInterval(refreshBoard, 30_000);
setInterval(refreshCharts, 60_000);
// "3 min ago" goes stale by itself.
setInterval(() => {
  for (const t of document.querySelectorAll('#board time')) t.textContent = ago(t.getAttribute('datetime'));
}, 15_000);
