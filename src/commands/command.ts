// What a subcommand is, and the one error a command throws for a usage mistake. The CLI (cli.ts) and every
// command import this file; it imports none of them, so the arrows point one way.
import type { ParseArgsConfig } from 'node:util';

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
