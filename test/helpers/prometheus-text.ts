// Reads Prometheus' text exposition format (what /metrics serves) into families, so tests can compare what two
// operators expose: names, types, label names and values. Enough of the format for client_golang's and
// prom-client's output: `# TYPE` lines, samples with or without labels, escaped quotes in label values.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  samples: Sample[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The sample's family: histogram and summary series (`_bucket`, `_sum`, `_count`) belong to their base name. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  if (families.has(sample)) return families.get(sample);
  const base = sample.replace(/_(bucket|sum|count|total|created)$/, '');
  return families.get(base);
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      families.set(type[1] as string, { name: type[1] as string, type: type[2] as string, samples: [] });
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(labelPair)) labels[key as string] = value as string;
    const name = match[1] as string;
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample ${name} has no # TYPE line`);
    family.samples.push({ name, labels, value: Number(match[3]) });
  }
  return families;
}

/** The sorted, distinct label-name sets a family's samples carry (e.g. ["condition,name,namespace,status"]). */
export function labelNameSets(family: Family | undefined, ignore: string[] = []): string[] {
  const sets = new Set(
    (family?.samples ?? []).map((s) =>
      Object.keys(s.labels)
        .filter((k) => !ignore.includes(k))
        .sort()
        .join(','),
    ),
  );
  return [...sets].sort();
}
