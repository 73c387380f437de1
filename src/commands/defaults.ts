// Option defaults every command shares, relative to the working directory.
export const DEFAULT_STATIONS_FILE = 'stations.json';
export const DEFAULT_DB_FILE = 'data/onair.db';

export const stationsOption = { stations: { type: 'string', default: DEFAULT_STATIONS_FILE } } as const;
export const dbOption = { db: { type: 'string', default: DEFAULT_DB_FILE } } as const;
