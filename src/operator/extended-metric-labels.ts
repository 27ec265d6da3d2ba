// ESO's --enable-extended-metric-labels: the ExternalSecret metrics also carry the object's well-known
// app.kubernetes.io/* labels, as Prometheus label names with every non-alphanumeric character replaced by "_"
// (app.kubernetes.io/part-of -> app_kubernetes_io_part_of). A label the object lacks gives an empty value, so
// every series of a metric has the same label names.

const SOURCE_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
] as const;

/** A Kubernetes label key as a Prometheus label name. */
export function metricLabelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9]/g, '_');
}

export const EXTENDED_LABEL_NAMES: readonly string[] = SOURCE_LABELS.map(metricLabelName);

/** The extended labels of an object: all six names, each with the object's label value or "". */
export function extendedMetricLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SOURCE_LABELS) out[metricLabelName(key)] = labels?.[key] ?? '';
  return out;
}
