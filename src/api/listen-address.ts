// Parses `--http [HOST:]PORT`. Pure. Only a port means loopback: serving beyond the machine is a choice.
import { ConfigError } from '../errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_HOST = '127.0.0.1';

/** "8080" → 127.0.0.1:8080; "0.0.0.0:8080", "localhost:8080", "[::1]:8080" as given. */
export function parseListenAddress(value: string): ListenAddress {
  const m = /^(?:(\[[0-9a-f:.]+\]|[^:[\]\s]+):)?(\d{1,5})$/i.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65_535) throw new ConfigError(`--http must be [HOST:]PORT with PORT 0-65535, e.g. 8080 or 0.0.0.0:8080; got "${value}"`);
  const host = m[1]?.replace(/^\[|\]$/g, '') ?? DEFAULT_HOST;
  return { host, port };
}
