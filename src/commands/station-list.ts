// Where `add`, `remove` and `list` read and edit the station list: stations.json (the default, or --stations
// FILE), or with --db postgres://… the list that database keeps for every node. The same edit either way: a
// function from the list as it is to the list as it should be, validated before it is stored.
import { DEFAULT_STATIONS_FILE } from '../config.ts';
import { validateStations } from '../stations/schema.ts';
import { readStationsJson, writeStationsFile } from '../stations/stations-file.ts';
import type { StationsDocument } from '../store/contract.ts';
import { openStationList } from '../store/open-store.ts';
import { redactUrl } from '../url.ts';
import { UsageError } from './command.ts';

export interface StationListTarget {
  /** How the list is named in messages. */
  where: string;
  read(): Promise<StationsDocument>;
  /** Stores what `edit` makes of the list (after validating it); a database serialises concurrent edits. */
  edit(edit: (doc: StationsDocument) => StationsDocument): Promise<void>;
  close(): Promise<void>;
}

export async function openListTarget(values: Record<string, unknown>): Promise<StationListTarget> {
  const db = values.db as string | undefined;
  if (db !== undefined && values.stations !== undefined) throw new UsageError('give --stations FILE or --db postgres://…, not both');
  if (db === undefined) {
    const file = (values.stations as string | undefined) ?? DEFAULT_STATIONS_FILE;
    return {
      where: file,
      read: async () => readStationsJson(file),
      edit: async (edit) => writeStationsFile(file, edit(readStationsJson(file))),
      close: async () => {},
    };
  }
  const list = await openStationList(db);
  const where = `the station list in ${String(redactUrl(db))}`;
  return {
    where,
    read: async () => (await list.readStationList()).doc,
    edit: async (edit) => {
      await list.editStationList((doc) => {
        const next = edit(doc);
        validateStations(next, where);
        return next;
      });
    },
    close: () => list.close(),
  };
}
