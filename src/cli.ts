// Argument parsing and dispatch only: each subcommand lives in commands/. Exit codes: 0 done, 1 failed,
// 2 bad usage or bad input (unknown option, invalid URL, duplicate id, invalid stations.json).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './errors.ts';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments allowed. */
  positionals?: boolean;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** A usage mistake: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {}

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).command,
  add: async () => (await import('./commands/add.ts')).command,
  remove: async () => (await import('./commands/remove.ts')).command,
  list: async () => (await import('./commands/list.ts')).command,
  now: async () => (await import('./commands/now.ts')).command,
  export: async () => (await import('./commands/export.ts')).command,
};

const USAGE = `onair — radio now-playing crawler

Usage: onair <command> [options]

Commands:
  run      crawl the stations in stations.json until stopped (SIGINT/SIGTERM)
  add      add a station to stations.json
  remove   remove a station from stations.json
  list     list the stations in stations.json
  now      show what each station is playing now
  export   write the play history as a JSON array

Run "onair <command> --help" for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`onair: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
    return await command.run(values, positionals);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`onair ${name}: ${(err as Error).message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`onair ${name}: ${err.message}`);
      return 2;
    }
    console.error(`onair ${name}: ${(err as Error).message ?? err}`);
    return 1;
  }
}

/** Reads a positive integer option, or throws a UsageError naming it. */
export function positiveInt(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${String(raw)}"`);
  return n;
}
