// The provider contract, modelled on ESO's SecretsClient / Provider interfaces (apis/externalsecrets/v1/provider.go)
// so that ESO semantics carry over one to one. Values are bytes (Uint8Array); keys and paths are strings.

import type { SecretStoreSpec } from '../api/generated/types.js';
import type { KubeConfigSource } from '../kube/kubeconfig/source.js';
import { MissingSecretError } from './errors.js';

export type StoreKind = 'SecretStore' | 'ClusterSecretStore';

export type MetadataPolicy = 'None' | 'Fetch';

/** `data[].remoteRef` / `dataFrom[].extract` as far as providers care (decoding happens in the operator). */
export interface RemoteRef {
  key: string;
  /** A gjson path or a provider-specific field name inside the secret. */
  property?: string;
  version?: string;
  /** `Fetch` reads the secret's metadata (labels, annotations, tags) instead of its value. */
  metadataPolicy?: MetadataPolicy;
}

/** `dataFrom[].find`. */
export interface FindRef {
  path?: string;
  name?: { regexp?: string };
  tags?: Record<string, string>;
  /** ESO applies key conversion inside some providers (fake, kubernetes); empty means Default. */
  conversionStrategy?: 'Default' | 'Unicode';
}

/** Where a PushSecret writes (`data[].match.remoteRef`). */
export interface PushRemoteRef {
  remoteKey: string;
  property?: string;
}

/** One PushSecret `data[]` entry. */
export interface PushSecretData {
  /** Key of the source Secret; empty pushes the whole Secret. */
  secretKey?: string;
  remoteRef: PushRemoteRef;
  /** Provider-specific metadata, e.g. `{apiVersion, kind: PushSecretMetadata, spec}`. */
  metadata?: unknown;
}

/** The local Kubernetes Secret being pushed. */
export interface PushSource {
  type?: string;
  data: Record<string, Uint8Array>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type ValidationResult = 'Ready' | 'Unknown' | 'Error';

export interface Validation {
  result: ValidationResult;
  /** Why the result is not Ready; never contains secret values. */
  message?: string;
}

export type Capabilities = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';

/** What a watcher cares about: one remote key (`remoteRef.key`, `extract.key`) or everything below a path. */
export interface WatchRef {
  /** An exact remote key. */
  key?: string;
  /** A path prefix (`find.path`); "" or "/" means everything the store's identity may read. */
  path?: string;
}

/** A change of a remote secret, as the provider's change feed reports it; never carries a value. */
export interface RemoteChange {
  key: string;
  op: 'create' | 'update' | 'delete';
  version?: number;
}

export interface WatchOptions {
  /** Feed trouble (disconnects, refused logins); the watch keeps reconnecting. Messages never hold values. */
  onError?(error: Error): void;
}

/** A running subscription; close() stops it (SecretsClient.close() stops every watch of the client too). */
export interface Watch {
  close(): Promise<void>;
}

/** One fetched remote secret (SecretsClient.fetchSecret): any `property` is picked from it locally. */
export interface FetchedSecret {
  /** What getSecret returns for the fetched ref with this property (undefined: none); throws as getSecret would. */
  pick(property: string | undefined): Uint8Array;
  /**
   * For a property whose value is not part of the fetch (a 1Password file): the one provider call that reads it,
   * to be run instead of pick. Undefined (or no `load`): pick answers from the fetch.
   */
  load?(property: string | undefined): (() => Promise<Uint8Array>) | undefined;
  /**
   * What getSecretMap returns for the fetched ref with this property (`dataFrom.extract`), so an extract and the
   * data[] entries reading one remote secret share one fetch. Undefined (or no `secretMap`): the fetch lacks part
   * of the map (1Password files) and getSecretMap must be called. Throws as getSecretMap would.
   */
  secretMap?(property: string | undefined): Record<string, Uint8Array> | undefined;
}

/** getSecret's answer from one fetch: picked locally, or the property's own call where the fetch lacks it. */
export function propertyValue(fetched: FetchedSecret, property: string | undefined): Uint8Array | Promise<Uint8Array> {
  const load = fetched.load?.(property);
  return load ? load() : fetched.pick(property);
}

/**
 * getSecretMap's answer from one fetch (its miss reported as getSecretMap reports it: MissingSecretError), or
 * undefined where the fetch lacks part of the map.
 */
export async function secretMapOf(
  fetched: Promise<FetchedSecret>,
  property: string | undefined,
): Promise<Record<string, Uint8Array> | undefined> {
  let secret: FetchedSecret;
  try {
    secret = await fetched;
  } catch (error) {
    throw error instanceof MissingSecretError ? error.forSecretMap : error;
  }
  return secret.secretMap?.(property);
}

/** getSecretMap for a provider whose fetch always holds the whole map (every provider here but onepassword). */
export async function secretMapFromFetch(
  fetched: Promise<FetchedSecret>,
  property: string | undefined,
): Promise<Record<string, Uint8Array>> {
  const map = await secretMapOf(fetched, property);
  if (!map) throw new Error('this provider answers extracts from its fetch, but the fetch has no secretMap');
  return map;
}

/** A client bound to one store (and, for referent ClusterSecretStores, one namespace). */
export interface SecretsClient {
  /**
   * One value. Throws NoSecretError when the secret (or its property/version) does not exist -- where the ESO
   * provider does (the kubernetes provider, like ESO's, reports a missing Secret in data[] as a plain error).
   */
  getSecret(ref: RemoteRef): Promise<Uint8Array>;
  /**
   * getSecret in two steps, for providers whose `property` (mostly) selects from what one fetch returns: the
   * provider call for the ref (its `property` ignored), then a local pick. getSecret(ref) equals
   * propertyValue(await fetchSecret(ref), ref.property). The operator shares one fetch between the data[] entries (and
   * ExternalSecrets) that read different properties of one remote secret. Required with
   * Provider.fetchesWholeSecrets.
   */
  fetchSecret?(ref: RemoteRef): Promise<FetchedSecret>;
  /** A secret split into key/value pairs (`dataFrom.extract`). */
  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>>;
  /** Many secrets by name regexp, path or tags (`dataFrom.find`), keyed by secret name. */
  getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>>;
  pushSecret(source: PushSource, data: PushSecretData): Promise<void>;
  deleteSecret(ref: PushRemoteRef): Promise<void>;
  secretExists(ref: PushRemoteRef): Promise<boolean>;
  /** Whether the store can be used; the SecretStore controller turns this into the Ready condition. */
  validate(): Promise<Validation>;
  /**
   * Optional push notifications for providers with a change feed (custos): calls onChange soon after a watched
   * secret changes, so the operator can refresh the ExternalSecrets reading it at once instead of waiting for
   * refreshInterval (which stays the safety net: a watch may miss changes while it reconnects). The watch
   * reconnects by itself with backoff and resumes where it left off.
   */
  watch?(refs: WatchRef[], onChange: (change: RemoteChange) => void, options?: WatchOptions): Watch;
  close(): Promise<void>;
}

/** The store object a client is made for. */
export interface StoreObject {
  kind: StoreKind;
  name: string;
  /** Namespace of a SecretStore; absent for a ClusterSecretStore. */
  namespace?: string;
  spec: SecretStoreSpec;
}

/** How a provider reaches the operator's own cluster (to read auth Secrets, request tokens, ...). */
export interface KubeAccess {
  kubeConfig: KubeConfigSource;
}

export interface NewClientOptions {
  store: StoreObject;
  /**
   * Namespace of the object using the store (the ExternalSecret / PushSecret). For a SecretStore it equals the
   * store's namespace; for a ClusterSecretStore it is where referent auth is resolved; empty when the
   * ClusterSecretStore itself is being validated.
   */
  namespace: string;
  kube: KubeAccess;
  /**
   * Called once per request the client sends to the provider's API, named as ESO names that call (e.g.
   * "GetSecret", "ListSecrets"), for externalsecret_provider_api_calls_count. Only providers with
   * `countsApiCalls` report; for the others the operator counts one call per client method.
   */
  apiCalls?(call: string, failed: boolean): void;
}

export interface StoreValidationResult {
  /** Reasons to reject the store (the webhook's error). */
  errors: string[];
  /** Accepted, but the user should know (the webhook's warnings). */
  warnings: string[];
}

export interface Provider {
  /** The `spec.provider` key, e.g. "fake". */
  readonly key: string;
  readonly capabilities: Capabilities;
  /** ESO marks some providers as not maintained (fake); the webhook warns and the store gets an event. */
  readonly maintained: boolean;
  /** Reports its API calls through NewClientOptions.apiCalls. */
  readonly countsApiCalls?: boolean;
  /**
   * Its clients have `fetchSecret`: properties of one remote secret are picked from one fetch. A function where
   * that depends on the store (webhook: only when the request does not use the property).
   */
  readonly fetchesWholeSecrets?: boolean | ((store: Pick<StoreObject, 'spec'>) => boolean);
  /** Its clients have `watch` (a change feed); the operator builds change-feed clients for these providers only. */
  readonly hasChangeFeed?: boolean;
  newClient(options: NewClientOptions): Promise<SecretsClient>;
  /**
   * Called once when the operator stops, after its clients are closed: releases what outlives a client (vault:
   * the login tokens it kept are revoked, so restarts do not leave tokens behind).
   */
  shutdown?(): Promise<void>;
  /** Static checks of the store spec, without network access. */
  validateStore(store: Omit<StoreObject, 'name'> & { name?: string }): StoreValidationResult;
}
