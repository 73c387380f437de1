// The syntax of a field path in a station's entry (the `title` and `artist` of the generic `xml` and `json`
// formats), parsed once when the stations file is read. Walking a document by the parsed steps is the parse
// stage's job (parse/path.ts).
//
//   songs.song[0].title                           key, then [n]: the n-th element (0-based)
//   nowplaying-info.property[name=cue_title]      [attr=value]: the first element whose attribute or
//   nowplaying-info.property[@name="cue_title"]   field `attr` equals value (quotes and @ optional)
//   [0].now_playing.song.text                     an empty key selects from the current node
// Keys cannot contain `.`, `[` or `]`.

export type Selector = { index: number } | { attr: string; value: string };

export interface PathStep {
  key: string;
  selectors: Selector[];
}

const stepPattern = /^([^.[\]]*)((?:\[[^\]]*\])*)$/;
const selectorPattern = /\[([^\]]*)\]/g;
const attrSelector = /^@?([^=]+)=\s*(?:"([^"]*)"|'([^']*)'|(.*))$/;

/** Parses a path into its steps; throws an Error whose message says what is wrong with it. */
export function parsePath(path: string): PathStep[] {
  // Split on dots outside brackets: a selector value may contain dots (`[name=a.b]`).
  const parts = path.match(/(?:[^.[]|\[[^\]]*\])+/g) ?? [];
  if (path === '' || parts.join('.') !== path) throw new Error(`invalid path "${path}"`);
  return parts.map((part) => {
    const m = stepPattern.exec(part);
    if (!m) throw new Error(`invalid path "${path}" at "${part}"`);
    const selectors = [...m[2]!.matchAll(selectorPattern)].map((s): Selector => {
      const inner = s[1]!.trim();
      if (/^\d+$/.test(inner)) return { index: Number(inner) };
      const a = attrSelector.exec(inner);
      if (!a) throw new Error(`invalid selector "[${inner}]" in path "${path}"`);
      return { attr: a[1]!.trim(), value: (a[2] ?? a[3] ?? a[4]!).trim() };
    });
    return { key: m[1]!, selectors };
  });
}
