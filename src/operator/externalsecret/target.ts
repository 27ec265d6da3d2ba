// Computes the target Secret an ExternalSecret wants from the existing one (ESO's mutation function, reference
// eso.md 2.4, 2.7, 2.9). Pure: no API calls, so every policy combination is unit-testable.
import type { ExternalSecret } from '../../api/generated/types.js';
import { cloneObject, type OwnerReference } from '../../kube/index.js';
import {
  ANNOTATION_DATA_HASH,
  createdByValue,
  ES_API_VERSION,
  LABEL_CREATED_BY,
  LABEL_MANAGED,
  LABEL_MANAGED_VALUE,
} from './constants.js';
import { dataHash } from './hash.js';
import { ownedKeys } from './managed-fields.js';
import { dataEqual, normalType, type SecretState } from './secret-object.js';
import type { TemplateOutput } from './template.js';

/** A condition no retry can fix until the user changes something: Ready=False and no requeue (as ESO). */
export class TargetConflictError extends Error {
  override name = 'TargetConflictError';
  constructor(
    /** ESO's fixed status message. */
    readonly statusMessage: string,
    detail: string,
  ) {
    super(detail);
  }
}

export interface DesiredInput {
  es: ExternalSecret;
  targetName: string;
  existing: SecretState | undefined;
  /** Values from the provider (after dataFrom/data processing). */
  providerData: Record<string, Uint8Array>;
  /** The rendered template, when the ExternalSecret has one. */
  template?: TemplateOutput;
  fieldManager: string;
}

export interface DesiredSecret {
  secret: SecretState;
  /** The existing Secret is immutable and the wanted data or type differs (write metadata only, then fail). */
  immutableConflict: boolean;
}

function isMergePolicy(policy: string | undefined): boolean {
  return policy === 'Merge' || policy === 'CreateOrMerge';
}

export function ownerReferenceFor(es: ExternalSecret): OwnerReference {
  return {
    apiVersion: ES_API_VERSION,
    kind: 'ExternalSecret',
    name: es.metadata.name ?? '',
    uid: es.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function desiredSecret(input: DesiredInput): DesiredSecret {
  const { es, existing } = input;
  const target = es.spec?.target ?? {};
  const creationPolicy = target.creationPolicy ?? 'Owner';
  const namespace = es.metadata.namespace ?? '';
  const esName = es.metadata.name ?? '';
  const metadata = cloneObject(existing?.metadata ?? { name: input.targetName, namespace });
  metadata.labels = { ...(metadata.labels ?? {}) };
  metadata.annotations = { ...(metadata.annotations ?? {}) };
  const owned = ownedKeys(existing?.metadata.managedFields, input.fieldManager);
  delete metadata.managedFields;
  // Keys this ExternalSecret wrote before are dropped first, so the ones no longer wanted disappear.
  for (const key of owned.labels) delete metadata.labels[key];
  for (const key of owned.annotations) delete metadata.annotations[key];

  let ownerReferences = [...(metadata.ownerReferences ?? [])];
  if (creationPolicy === 'Owner') {
    const controller = ownerReferences.find((ref) => ref.controller);
    if (controller && controller.uid !== es.metadata.uid) {
      if (controller.kind === 'ExternalSecret') {
        throw new TargetConflictError(
          'target is owned by another ExternalSecret',
          `Secret ${input.targetName} is controlled by ExternalSecret ${controller.name}: use another target.name or creationPolicy Merge`,
        );
      }
      throw new TargetConflictError(
        'failed to take ownership of target secret',
        `Secret ${input.targetName} is controlled by ${controller.kind} ${controller.name}: use another target.name or creationPolicy Merge`,
      );
    }
    const ref = ownerReferenceFor(es);
    const index = ownerReferences.findIndex((r) => r.uid === ref.uid);
    if (index === -1) ownerReferences.push(ref);
    else ownerReferences[index] = ref;
    metadata.labels[LABEL_CREATED_BY] = createdByValue(namespace, esName);
  } else if (creationPolicy === 'Orphan') {
    ownerReferences = ownerReferences.filter((r) => r.uid !== es.metadata.uid);
  }
  if (ownerReferences.length > 0) metadata.ownerReferences = ownerReferences;
  else delete metadata.ownerReferences;

  let data: Record<string, Uint8Array> = Object.create(null);
  if (existing && isMergePolicy(creationPolicy)) {
    Object.assign(data, existing.data);
    for (const key of owned.data) delete data[key];
  }
  let type = existing?.type;
  const frozen = existing?.immutable === true;
  if (!frozen) {
    if (input.template) {
      Object.assign(data, input.template.data);
      Object.assign(metadata.labels, input.template.labels);
      Object.assign(metadata.annotations, input.template.annotations);
      if (input.template.type) type = input.template.type;
    } else {
      Object.assign(data, input.providerData);
      Object.assign(metadata.labels, es.metadata.labels ?? {});
      Object.assign(metadata.annotations, es.metadata.annotations ?? {});
    }
    const finalizers = es.spec?.target?.template?.metadata?.finalizers ?? [];
    if (finalizers.length > 0) {
      metadata.finalizers = [...new Set([...(metadata.finalizers ?? []), ...finalizers])];
    }
  }
  let immutableConflict = false;
  if (frozen && existing) {
    const wanted: Record<string, Uint8Array> = Object.create(null);
    if (isMergePolicy(creationPolicy)) Object.assign(wanted, existing.data);
    Object.assign(wanted, input.template ? input.template.data : input.providerData);
    const wantedType = input.template?.type || existing.type;
    immutableConflict = !dataEqual(wanted, existing.data) || normalType(wantedType) !== normalType(existing.type);
    data = existing.data;
  }

  metadata.labels[LABEL_MANAGED] = LABEL_MANAGED_VALUE;
  metadata.annotations[ANNOTATION_DATA_HASH] = dataHash(data);
  const secret: SecretState = { metadata, data, type };
  if (target.immutable || frozen) secret.immutable = true;
  else if (existing?.immutable !== undefined) secret.immutable = existing.immutable;
  return { secret, immutableConflict };
}
