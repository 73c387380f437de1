// Argument parsing and dispatch only: each subcommand lives in commands/. Exit codes: 0 done, 1 failed,
// 2 bad usage or bad input (unknown option, invalid URL, duplicate id, invalid stations.json).
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './commands/command.ts';
import { ConfigError } from './errors.ts';

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
