// Options several commands share, and the parsers that turn an option's text into a checked value. Every
// check runs before the command starts anything, and fails with a UsageError naming the option (exit 2).
import { checkNumber, DEFAULT_STATIONS_FILE, DEFAULTS, type NumberRule } from '../config.ts';
import { UsageError } from './command.ts';

export const stationsOption = { stations: { type: 'string', default: DEFAULT_STATIONS_FILE } } as const;
/** The commands that edit the list: stations.json, or with --db postgres://… the list the database keeps. */
export const listOptions = { stations: { type: 'string' }, db: { type: 'string' } } as const;
export const dbOption = { db: { type: 'string', default: DEFAULTS.db } } as const;

/**
 * The number an option gives, checked against `rule`; undefined when the option is absent. Only plain
 * decimal text counts as a number ("1e3", "0x10" and "" are refused: nobody means them on a command line).
 */
export function numberOption(values: Record<string, unknown>, name: string, rule: NumberRule): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new UsageError(`--${name} must be a number, got "${String(raw)}"`);
  const n = Number(text);
  checkNumber(`--${name}`, n, rule);
  return n;
}

/** One of `choices`, or undefined when absent. */
export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!(choices as readonly unknown[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got "${String(raw)}"`);
  return raw as T;
}

/** An option given in seconds for a setting kept in milliseconds (`rule` is the setting's, in ms). */
export function secondsOption(values: Record<string, unknown>, name: string, rule: NumberRule): number | undefined {
  const seconds = numberOption(values, name, { integer: false, min: rule.min / 1000, max: rule.max === undefined ? undefined : rule.max / 1000 });
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
