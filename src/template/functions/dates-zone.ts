// Go's *time.Location: UTC, Local, fixed offsets and IANA zones. Offsets of IANA zones come from ICU (Intl),
// abbreviations ("CET", "EDT", "-03") from a table generated from Go's tzdata.
//
// Local is UTC: ESO runs in a container without a local zone, where Go's time.Local is UTC; Custos pins the same
// behaviour so rendering never depends on the host's TZ.

import type { GoObject } from '../values.js';
import { ZONE_ABBREVIATIONS_TABLE } from './dates-zone-table.js';

export interface ZoneAt {
  /** Abbreviation as the "MST" layout element prints it ("" for an unnamed fixed zone). */
  abbreviation: string;
  /** Seconds east of UTC. */
  offset: number;
}

export interface GoLocation extends GoObject {
  /** What Location.String() returns: "UTC", "Local", "Europe/Berlin" or a fixed zone's name. */
  readonly name: string;
  lookup(unixSeconds: number): ZoneAt;
  /** The offset a zone abbreviation had around this instant, if the location uses it (Go's lookupName). */
  offsetOfAbbreviation(abbreviation: string, unixSeconds: number): number | undefined;
}

abstract class LocationBase implements GoLocation {
  constructor(readonly name: string) {}
  abstract lookup(unixSeconds: number): ZoneAt;
  abstract offsetOfAbbreviation(abbreviation: string, unixSeconds: number): number | undefined;
  goTypeName(): string {
    return '*time.Location';
  }
  goString(): string {
    return this.name;
  }
  goField(name: string): unknown {
    return name === 'String' ? this.name : undefined;
  }
}

class FixedLocation extends LocationBase {
  constructor(
    name: string,
    private readonly abbreviation: string,
    private readonly offset: number,
  ) {
    super(name);
  }
  lookup(): ZoneAt {
    return { abbreviation: this.abbreviation, offset: this.offset };
  }
  offsetOfAbbreviation(abbreviation: string): number | undefined {
    return abbreviation === this.abbreviation ? this.offset : undefined;
  }
}

export const UTC_LOCATION: GoLocation = new FixedLocation('UTC', 'UTC', 0);
export const LOCAL_LOCATION: GoLocation = new FixedLocation('Local', 'UTC', 0);

/** Go's time.FixedZone(name, offset). */
export function fixedZone(name: string, offset: number): GoLocation {
  return new FixedLocation(name, name, offset);
}

// ICU accepts dates within +-8.64e15 ms; instants beyond use the offset at the edge.
const INTL_LIMIT_MS = 8.64e15;

class IanaLocation extends LocationBase {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly abbreviations: ReadonlyMap<number, string>;
  constructor(name: string, abbreviations: ReadonlyMap<number, string>) {
    super(name);
    this.formatter = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
    this.abbreviations = abbreviations;
  }
  lookup(unixSeconds: number): ZoneAt {
    const ms = Math.max(-INTL_LIMIT_MS, Math.min(INTL_LIMIT_MS, unixSeconds * 1000));
    const part = this.formatter.formatToParts(ms).find((p) => p.type === 'timeZoneName');
    const offset = parseLongOffset(part?.value ?? 'GMT');
    return { abbreviation: this.abbreviations.get(offset) ?? numericAbbreviation(offset), offset };
  }
  offsetOfAbbreviation(abbreviation: string, unixSeconds: number): number | undefined {
    // Like Go: prefer the zone in effect at that instant, else any zone of the location with that name.
    const here = this.lookup(unixSeconds);
    if (here.abbreviation === abbreviation) return here.offset;
    for (const [offset, name] of this.abbreviations) if (name === abbreviation) return offset;
    return undefined;
  }
}

/** "GMT", "GMT+05:30", "GMT-00:17:30" -> seconds east of UTC. */
function parseLongOffset(text: string): number {
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m === null) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

/** tzdata's style for zones without a letter abbreviation: "+09", "-0330". */
function numericAbbreviation(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

let zoneTable: Map<string, Map<number, string>> | undefined;

function zones(): Map<string, Map<number, string>> {
  if (zoneTable !== undefined) return zoneTable;
  zoneTable = new Map();
  for (const line of ZONE_ABBREVIATIONS_TABLE.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const byOffset = new Map<number, string>();
    for (const pair of line.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      byOffset.set(Number(pair.slice(0, eq)), pair.slice(eq + 1));
    }
    zoneTable.set(line.slice(0, space), byOffset);
  }
  return zoneTable;
}

const loaded = new Map<string, GoLocation>();

/** Go's time.LoadLocation; undefined where Go returns an error ("unknown time zone NAME"). */
export function loadLocation(name: string): GoLocation | undefined {
  if (name === '' || name === 'UTC') return UTC_LOCATION;
  if (name === 'Local') return LOCAL_LOCATION;
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const abbreviations = zones().get(name);
  if (abbreviations === undefined) return undefined;
  let location: GoLocation;
  try {
    location = new IanaLocation(name, abbreviations);
  } catch {
    return undefined; // a zone Go knows but ICU does not ("Factory")
  }
  loaded.set(name, location);
  return location;
}
