// The station list kept in the database, followed by a node started without a stations file: it checks the
// list's version every few seconds (one tiny read) and, when another node or `onair add --db` changed it,
// reads it whole and reports what was added, removed or changed, as the stations-file registry does. A list
// that does not validate is reported and ignored: the node keeps its last good list.
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import { listChange, type RegistryEvents, type StationRegistry, type StationSource } from '../stations/registry.ts';
import { validateStations, type Station, type StationsConfig } from '../stations/schema.ts';
import { readStationsJson } from '../stations/stations-file.ts';
import type { PlayStore, StationListStore } from '../store/contract.ts';
import { stationListOf } from '../store/open-store.ts';
import type { Logger } from '../log.ts';

/** How the list is named in messages. */
const WHERE = 'the station list in the database';

/** How often a node checks the list's version: every node sees a change within one poll interval. */
export const LIST_CHECK_MS = 2_000;

/**
 * Loads a stations file into the database's list (adds, updates, removes): at start and on every change of
 * the file. Nodes started with the same file write the same list, which changes nothing.
 */
export async function syncList(store: StationListStore, file: string, logger: Logger): Promise<void> {
  try {
    if (await store.editStationList(() => readStationsJson(file))) logger.info({ file }, 'stations file loaded into the database');
  } catch (err) {
    logger.error({ err }, 'cannot load the stations file into the database; the other nodes keep the list they have');
  }
}

/** The list a node runs on: the stations file it was given, else the one its database keeps, followed. */
export async function stationSource(file: StationRegistry | undefined, store: PlayStore, events: RegistryEvents): Promise<StationSource> {
  if (file) return file;
  const list = stationListOf(store);
  if (!list) throw new ConfigError('a SQLite database keeps no station list; a stations file is required');
  return DbStationList.open(list, events, systemClock, LIST_CHECK_MS);
}

export class DbStationList implements StationSource {
  private timer: TimerHandle | undefined;
  private checking = false;

  private constructor(
    private readonly store: StationListStore,
    private readonly events: RegistryEvents,
    private readonly clock: Clock,
    private readonly everyMs: number,
    public config: StationsConfig,
    private version: number,
  ) {}

  /** Reads the list once; rejects with a ConfigError if what the database holds does not validate. */
  static async open(store: StationListStore, events: RegistryEvents, clock: Clock, everyMs: number): Promise<DbStationList> {
    const { version, doc } = await store.readStationList();
    return new DbStationList(store, events, clock, everyMs, validateStations(doc, WHERE), version);
  }

  get stations(): Station[] {
    return this.config.stations;
  }

  watch(): void {
    this.timer = this.clock.setTimer(this.everyMs, () => {
      void this.check().finally(() => this.watch());
    });
  }

  reload(): void {
    void this.check();
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      if ((await this.store.stationListVersion()) === this.version) return;
      const { version, doc } = await this.store.readStationList();
      this.version = version;
      const next = validateStations(doc, WHERE);
      const diff = listChange(this.config, next);
      this.config = next;
      if (diff) this.events.onChange(diff, next);
    } catch (err) {
      this.events.onError(err);
    } finally {
      this.checking = false;
    }
  }
}
