// The peers' memory figure, shared by both peer crawlers.

/** Memory as the kernel counts it, in MB; process.memoryUsage() itself fails once every descriptor is taken. */
export function rssMb(): number {
  try {
    return Math.round(process.memoryUsage.rss() / 1e5) / 10;
  } catch {
    return -1;
  }
}
