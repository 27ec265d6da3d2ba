// Builds the CustomResourceDefinition objects from the kind registry. The same objects are written to
// deploy/crds/ by `npm run generate` and installed by installCrds().
import { COMPONENT_LABEL, KINDS, type KindDefinition, servedVersions } from './kinds.js';
import type { Schema } from './schema/dsl.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: Schema };
  subresources?: { status: Record<string, never> };
  additionalPrinterColumns?: KindDefinition['printerColumns'];
  selectableFields?: { jsonPath: string }[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    conversion: { strategy: 'None' };
    versions: CrdVersion[];
  };
}

export function crdName(kind: KindDefinition): string {
  return `${kind.plural}.${kind.group}`;
}

function rootSchema(kind: KindDefinition): Schema {
  const properties: Record<string, Schema> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this object.' },
    kind: { type: 'string', description: 'REST resource this object represents.' },
    metadata: { type: 'object' },
    spec: kind.spec,
  };
  if (kind.status) properties.status = kind.status;
  return { description: kind.description, type: 'object', properties };
}

function version(kind: KindDefinition, name: string): CrdVersion {
  const stored = name === kind.storageVersion;
  return {
    name,
    served: true,
    storage: stored,
    ...(stored
      ? {}
      : {
          deprecated: true,
          deprecationWarning: `${kind.group}/${name} ${kind.kind} is deprecated; use ${kind.group}/${kind.storageVersion}`,
        }),
    schema: { openAPIV3Schema: rootSchema(kind) },
    ...(kind.status ? { subresources: { status: {} } } : {}),
    ...(kind.printerColumns ? { additionalPrinterColumns: kind.printerColumns } : {}),
    ...(kind.selectableFields ? { selectableFields: kind.selectableFields.map((jsonPath) => ({ jsonPath })) } : {}),
  };
}

export function buildCrd(kind: KindDefinition): CustomResourceDefinition {
  const names: CustomResourceDefinition['spec']['names'] = {
    kind: kind.kind,
    listKind: `${kind.kind}List`,
    plural: kind.plural,
    singular: kind.singular,
    ...(kind.shortNames ? { shortNames: kind.shortNames } : {}),
    categories: kind.categories,
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(kind), labels: { ...COMPONENT_LABEL } },
    spec: {
      group: kind.group,
      names,
      scope: kind.scope,
      // v1beta1 is served with the identical schema, so no conversion webhook is needed.
      conversion: { strategy: 'None' },
      versions: servedVersions(kind).map((name) => version(kind, name)),
    },
  };
}

/** Every CRD Custos installs, in a stable order (ESO kinds first, then generators). */
export function allCrds(): CustomResourceDefinition[] {
  return KINDS.map(buildCrd);
}
