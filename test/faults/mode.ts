// How long the long-running suites (crash, fuzz, soak, integration) run: a quick mode for CI and a full
// mode by flag. ONAIR_FULL=1 forces full; else ONAIR_QUICK=1 or CI=true gives quick; else full.
const env = process.env;

export const FULL = env.ONAIR_FULL === '1' || !(env.ONAIR_QUICK === '1' || env.CI === 'true');
export const QUICK = !FULL;

/** The quick figure in quick mode, the full one otherwise. */
export function sized<T>(quick: T, full: T): T {
  return FULL ? full : quick;
}

/**
 * Samples memory every few ms until stopped, so a test sees the peak of a burst (a 200 MB body would show
 * up between two polls) and not just the before/after.
 */
export function memorySampler(everyMs = 5): { stop(): { peakRss: number; peakHeap: number; startRss: number; startHeap: number } } {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const m = process.memoryUsage();
      return { peakRss: Math.max(peakRss, m.rss), peakHeap: Math.max(peakHeap, m.heapUsed), startRss: start.rss, startHeap: start.heapUsed };
    },
  };
}

/** Sockets this process holds open now (net.Socket handles: client and server side, not listeners). */
export function openSockets(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h?.constructor?.name === 'Socket' || h?.constructor?.name === 'TLSSocket').filter((s) => !(s as { destroyed?: boolean }).destroyed && (s as { remotePort?: number }).remotePort !== undefined).length;
}

/** File descriptors this process holds (Linux), or -1 where /proc is missing. */
export async function openFds(): Promise<number> {
  const { readdirSync } = await import('node:fs');
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}
