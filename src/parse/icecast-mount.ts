// Choosing a station's mount among the sources of an Icecast status document (JSON or /admin/stats XML).
import { MountAbsentError, ParseError } from '../errors.ts';

// listenurl is built from the server's configured <hostname> and port ("http://localhost:8000/jazz"), not
// from the host we asked: only its path names the mount. Taken as written, not through URL, which would
// percent-encode a mount with spaces.
export function listenUrlPath(listenUrl: string | null): string | null {
  return listenUrl?.match(/^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)$/i)?.[1] ?? null;
}

const withSlash = (mount: string): string => (mount.startsWith('/') ? mount : `/${mount}`);

function listed(names: string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
}

/**
 * The source for `mount`. `mountsOf` gives the names a source answers to (listenurl path, mount attribute).
 * Without a configured mount, the server's only source; no source at all is null (nothing on air).
 * With one: the exact name, else the single listenurl that ends with it (a hostname configured with a
 * path prefix, "example.org/radio"). Throws MountAbsentError naming the mount when it is not there.
 */
export function pickSource<S>(sources: readonly S[], mountsOf: (s: S) => (string | null)[], mount?: string): S | null {
  const names = sources.map((s) => mountsOf(s).find((m) => m !== null) ?? '?');
  if (mount === undefined || mount === '') {
    if (sources.length <= 1) return sources[0] ?? null;
    throw new ParseError(`the server has ${sources.length} mounts (${listed(names)}): set the station's mount`);
  }
  const wanted = withSlash(mount);
  const exact = sources.find((s) => mountsOf(s).includes(wanted));
  if (exact) return exact;
  const suffixed = sources.filter((s) => mountsOf(s).some((m) => m?.endsWith(wanted)));
  if (suffixed.length === 1) return suffixed[0]!;
  const present = sources.length ? `mounts: ${listed(names)}` : 'no source connected';
  throw new MountAbsentError(`mount ${wanted} is not in the document (${present})`);
}
