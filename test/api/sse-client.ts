// A minimal Server-Sent Events reader for tests: connects with node:http (so it can send Last-Event-ID and
// stop reading at will) and hands out messages as they arrive, each awaited, never slept for.
import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  /** "comment" for lines starting with ":" (heartbeats). */
  event: string;
  id: string | undefined;
  data: string;
}

export interface SseClient {
  res: IncomingMessage;
  /** The next message of any kind. */
  next(): Promise<SseMessage>;
  /** The next `play` event, parsed, skipping comments. */
  nextPlay(): Promise<{ id: number; play: Record<string, unknown> }>;
  close(): void;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(url, { headers: { accept: 'text/event-stream', ...headers } }, resolve).on('error', reject).end();
  });
  const queue: SseMessage[] = [];
  const waiters: { resolve: (m: SseMessage) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const m = parse(block);
      if (!m) continue;
      const w = waiters.shift();
      if (w) w.resolve(m);
      else queue.push(m);
    }
  });
  const fail = () => {
    ended = new Error('event stream ended');
    for (const w of waiters.splice(0)) w.reject(ended);
  };
  res.on('end', fail);
  res.on('close', fail);
  const next = () => {
    const m = queue.shift();
    if (m) return Promise.resolve(m);
    if (ended) return Promise.reject(ended);
    return new Promise<SseMessage>((resolve, reject) => waiters.push({ resolve, reject }));
  };
  return {
    res,
    next,
    async nextPlay() {
      for (;;) {
        const m = await next();
        if (m.event === 'play') return { id: Number(m.id), play: JSON.parse(m.data) as Record<string, unknown> };
      }
    },
    close: () => res.destroy(),
  };
}

/** One block of lines; null for a block with no event and no comment (the retry line). */
function parse(block: string): SseMessage | null {
  const m: SseMessage = { event: 'message', id: undefined, data: '' };
  let seen = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) return { event: 'comment', id: undefined, data: line.slice(1).trim() };
    const [field, ...rest] = line.split(':');
    const value = rest.join(':').replace(/^ /, '');
    if (field === 'event') (m.event = value), (seen = true);
    else if (field === 'id') m.id = value;
    else if (field === 'data') (m.data += (m.data ? '\n' : '') + value), (seen = true);
  }
  return seen ? m : null;
}
