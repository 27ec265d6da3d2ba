// Names ESO puts on objects (apis/externalsecrets/v1/externalsecret_types.go, pkg/controllers/externalsecret/util.go).
// Secrets written by ESO carry the same ones, so Custos adopts them without a data change.
import { objectHashOfString } from './hash.js';

export const LABEL_MANAGED = 'reconcile.external-secrets.io/managed';
export const LABEL_MANAGED_VALUE = 'true';
export const LABEL_CREATED_BY = 'reconcile.external-secrets.io/created-by';
export const ANNOTATION_DATA_HASH = 'reconcile.external-secrets.io/data-hash';
export const ANNOTATION_FORCE_SYNC = 'external-secrets.io/force-sync';
export const FINALIZER = 'externalsecrets.external-secrets.io/externalsecret-cleanup';
export const EVENT_COMPONENT = 'external-secrets';
export const ES_API_VERSION = 'external-secrets.io/v1';

const FIELD_MANAGER_PREFIX = 'externalsecrets.external-secrets.io';

/** The field manager of every Secret write for one ExternalSecret (ESO's fqdnFor): hashed when over 63 chars. */
export function fieldManagerFor(esName: string): string {
  const plain = `${FIELD_MANAGER_PREFIX}/${esName}`;
  if (plain.length > 63) return `${FIELD_MANAGER_PREFIX}/sha3/${objectHashOfString(esName)}`;
  return plain;
}

/** Value of the created-by label: ObjectHash("<namespace>/<name>"). */
export function createdByValue(namespace: string, name: string): string {
  return objectHashOfString(`${namespace}/${name}`);
}

export const Reasons = {
  SecretSynced: 'SecretSynced',
  SecretSyncedError: 'SecretSyncedError',
  SecretDeleted: 'SecretDeleted',
  SecretMissing: 'SecretMissing',
  // Generic targets (spec.target.manifest: ConfigMaps, custom resources).
  ResourceSynced: 'ResourceSynced',
  ResourceSyncedError: 'ResourceSyncedError',
  ResourceDeleted: 'ResourceDeleted',
  ResourceMissing: 'ResourceMissing',
} as const;

export const EventReasons = {
  UpdateFailed: 'UpdateFailed',
  Created: 'Created',
  Updated: 'Updated',
  Deleted: 'Deleted',
  MissingProviderSecret: 'MissingProviderSecret',
  /** Custos only: repairs of a target that something else keeps changing are spaced out. */
  DriftRepairsSpaced: 'DriftRepairsSpaced',
} as const;
