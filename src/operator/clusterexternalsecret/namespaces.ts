// Which namespaces a ClusterExternalSecret targets (ESO's GetTargetNamespaces): namespaces matching any of
// spec.namespaceSelectors or the deprecated spec.namespaceSelector, plus the namespaces named in the deprecated
// spec.namespaces that exist. An empty selector ({}) matches every namespace; no selectors and no names match none.
import type { ClusterExternalSecretSpec } from '../../api/generated/types.js';
import type { KubeObject } from '../../kube/index.js';
import { compileSelector } from './labelselector.js';

/** Compiles the CES's namespace selection into a predicate over namespaces; throws InvalidSelectorError. */
export function namespacePredicate(spec: ClusterExternalSecretSpec | undefined): (namespace: KubeObject) => boolean {
  const selectors = [
    ...(spec?.namespaceSelector ? [compileSelector(spec.namespaceSelector, 'spec.namespaceSelector')] : []),
    ...(spec?.namespaceSelectors ?? []).map((s, i) => compileSelector(s ?? {}, `spec.namespaceSelectors[${i}]`)),
  ];
  const names = new Set(spec?.namespaces ?? []);
  return (namespace) => {
    const name = namespace.metadata?.name ?? '';
    if (names.has(name)) return true;
    const labels = namespace.metadata?.labels ?? {};
    return selectors.some((matches) => matches(labels));
  };
}

/** Names of the target namespaces among `namespaces`, sorted. */
export function targetNamespaces(spec: ClusterExternalSecretSpec | undefined, namespaces: KubeObject[]): string[] {
  const selected = namespacePredicate(spec);
  return namespaces
    .filter(selected)
    .map((ns) => ns.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
}
