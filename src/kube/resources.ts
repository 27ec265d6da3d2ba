// Names a Kubernetes resource type (group, version, plural, scope) and builds its REST paths:
//   core:    /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
//   grouped: /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
// A namespaced resource without a namespace addresses all namespaces (list and watch only).
// Path segments are URI-encoded, so a name can never change the path's shape.

export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** Lower-case plural resource name, e.g. 'secrets'. */
  plural: string;
  namespaced: boolean;
  /** Kind, used to fill apiVersion/kind in bodies the client builds (e.g. server-side apply). */
  kind: string;
}

export interface PathOptions {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function resourcePath(type: ResourceType, options: PathOptions = {}): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  let path = base;
  if (type.namespaced && options.namespace) path += `/namespaces/${encodeURIComponent(options.namespace)}`;
  else if (!type.namespaced && options.namespace) {
    throw new Error(`${type.plural} are cluster-scoped; do not pass a namespace (got "${options.namespace}")`);
  }
  path += `/${type.plural}`;
  if (options.name !== undefined) {
    if (options.name === '') throw new Error(`an empty name was given for ${type.plural}`);
    path += `/${encodeURIComponent(options.name)}`;
  }
  if (options.subresource) {
    if (options.name === undefined) throw new Error(`subresource "${options.subresource}" needs an object name`);
    path += `/${options.subresource}`;
  }
  return path;
}

/** Well-known resource types used by the plumbing itself. */
export const Resources = {
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true, kind: 'Secret' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false, kind: 'Namespace' },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true, kind: 'Event' },
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, kind: 'Lease' },
  customResourceDefinitions: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
    kind: 'CustomResourceDefinition',
  },
} as const satisfies Record<string, ResourceType>;
