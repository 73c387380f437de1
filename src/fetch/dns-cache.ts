// A small DNS cache for node:http's `lookup`: thousands of hosts every 10 s would queue on libuv's four
// resolver threads (the pooled transport has undici's dns interceptor for the same reason). Lookups of one
// name in flight are joined; failures are not cached. IP literals never get here (net.connect skips them).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

interface Entry {
  addresses: LookupAddress[];
  expires: number;
}

export function cachedLookup(ttlMs = 60_000, maxEntries = 50_000): LookupFunction {
  const cache = new Map<string, Entry>();
  const pending = new Map<string, ((err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void)[]>();

  const resolve = (hostname: string, done: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const hit = cache.get(hostname);
    if (hit && hit.expires > Date.now()) return done(null, hit.addresses);
    const waiting = pending.get(hostname);
    if (waiting) return void waiting.push(done);
    pending.set(hostname, [done]);
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      const waiters = pending.get(hostname) ?? [];
      pending.delete(hostname);
      if (!err && addresses.length) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(hostname, { addresses, expires: Date.now() + ttlMs });
      }
      for (const w of waiters) w(err, err ? [] : addresses);
    });
  };

  // net.connect asks for every address (`all: true`) when it may try both families, else for one.
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolve(hostname, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : undefined, undefined);
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const fit = family ? addresses.filter((a) => a.family === family) : addresses;
      if (!fit.length) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), options.all ? [] : undefined, undefined);
      if (options.all) return callback(null, fit);
      callback(null, fit[0]!.address, fit[0]!.family);
    });
  }) as LookupFunction;
}
