// The `onepassword` provider: a 1Password Connect server, configured with ESO's `spec.provider.onepassword`
// (connectHost, vaults with their search order, the Connect token in a Secret), with ESO's mapping
// (reference/providers.md 3.2): remoteRef.key is an item title (or 26-character ID) searched in the vaults in
// ascending order, remoteRef.property a field label (default `password`) or, with `file/` or for DOCUMENT items, a
// file name; dataFrom.extract gives all fields (or files); find walks items by title, label regexp and tags;
// PushSecret writes one CONCEALED field of an item (created as a SERVER item when missing).
import type { OnePasswordProvider as OnePasswordSpec } from '../../api/generated/types.js';
import { fromUtf8, utf8 } from '../bytes.js';
import {
  type FetchedSecret,
  type FindRef,
  type NewClientOptions,
  type Provider,
  type PushRemoteRef,
  type PushSecretData,
  type PushSource,
  propertyValue,
  type RemoteRef,
  type SecretsClient,
  type StoreObject,
  type StoreValidationResult,
  type Validation,
} from '../contract.js';
import { NoSecretError, ProviderConfigError, ProviderError } from '../errors.js';
import { compileNameMatcher } from '../find-name.js';
import { operatorTransport, readSecretKey } from '../kubernetes/own-cluster.js';
import { ConnectClient, ConnectNotFound, type Item, type ItemField, ONEPASSWORD_ID } from './connect.js';

const FIELD = 'spec.provider.onepassword';
const DEFAULT_PROPERTY = 'password';
const PUSH_VISIBLE_POLL_MS = 500;
const PUSH_VISIBLE_MAX_MS = 5_000;

function specOf(store: Pick<StoreObject, 'spec'>): OnePasswordSpec {
  const spec = store.spec?.provider?.onepassword;
  if (!spec) throw new ProviderConfigError(`missing store provider onepassword: set ${FIELD}`);
  return spec;
}

/** Vault keys in ESO's search order: ascending priority number. */
export function vaultOrder(vaults: Record<string, number> | undefined): string[] {
  return Object.entries(vaults ?? {})
    .sort(([, a], [, b]) => a - b)
    .map(([name]) => name);
}

function tokenRef(spec: OnePasswordSpec) {
  return spec.auth?.secretRef?.connectTokenSecretRef ?? spec.auth?.secretRef?.connectToken;
}

/** Which part of an item a property names: a field by label or a file by name. */
function target(item: Item, property: string | undefined): { kind: 'field' | 'file'; name: string | undefined } {
  if (property?.startsWith('field/')) return { kind: 'field', name: property.slice('field/'.length) };
  if (property?.startsWith('file/')) return { kind: 'file', name: property.slice('file/'.length) };
  if (item.category === 'DOCUMENT') return { kind: 'file', name: property || undefined };
  return { kind: 'field', name: property || DEFAULT_PROPERTY };
}

function oneField(item: Item, label: string): ItemField {
  const matches = (item.fields ?? []).filter((f) => f.label === label);
  if (matches.length !== 1) {
    // ESO's ErrExpectedOneField, naming the item by title.
    throw new ProviderError(
      `expected one 1Password ItemField matching '${label}' in '${item.title ?? item.id}', got ${matches.length}`,
    );
  }
  return matches[0] as ItemField;
}

/** Whether getSecretMap (dataFrom.extract) reads an item's files rather than its fields. */
function readsFiles(item: Item, property: string | undefined): boolean {
  return item.category === 'DOCUMENT' || property?.startsWith('file/') === true;
}

/** ESO's GetSecretMap over fields: every labelled field (the first of a label wins), or the one `property` names. */
function fieldMap(item: Item, property: string | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = Object.create(null);
  const only = property?.replace(/^field\//, '') || undefined;
  for (const field of item.fields ?? []) {
    if (!field.label || (only !== undefined && field.label !== only)) continue;
    out[field.label] ??= utf8(field.value ?? '');
  }
  return out;
}

class OnePasswordSecretsClient implements SecretsClient {
  #vaultIds: Promise<Array<{ key: string; id: string }>> | undefined;

  constructor(
    private readonly connect: ConnectClient,
    private readonly vaultKeys: string[],
  ) {}

  /** Vault IDs in search order; titles are resolved once per client (a store change makes a new client). */
  private vaultIds(): Promise<Array<{ key: string; id: string }>> {
    this.#vaultIds ??= (async () => {
      const out: Array<{ key: string; id: string }> = [];
      for (const key of this.vaultKeys) {
        if (ONEPASSWORD_ID.test(key)) {
          out.push({ key, id: key });
          continue;
        }
        const found = await this.connect.vaultsByTitle(key);
        if (found.length !== 1) {
          throw new ProviderConfigError(
            `${FIELD}.vaults: expected one 1Password vault titled "${key}", found ${found.length}`,
          );
        }
        out.push({ key, id: (found[0] as { id: string }).id });
      }
      return out;
    })().catch((error) => {
      this.#vaultIds = undefined; // retried on the next call
      throw error;
    });
    return this.#vaultIds;
  }

  /** ESO's findItem: the first vault (in order) holding exactly one item with that title (or that ID). */
  private async findItem(key: string): Promise<{ vaultId: string; item: Item } | undefined> {
    for (const { id: vaultId } of await this.vaultIds()) {
      if (ONEPASSWORD_ID.test(key)) {
        try {
          return { vaultId, item: await this.connect.item(vaultId, key) };
        } catch (error) {
          if (error instanceof ConnectNotFound) continue;
          throw error;
        }
      }
      const summaries = await this.connect.items(vaultId, key);
      if (summaries.length > 1) {
        throw new ProviderError(`expected one 1Password Item matching "${key}", found ${summaries.length}`);
      }
      if (summaries.length === 1) {
        return { vaultId, item: await this.connect.item(vaultId, (summaries[0] as Item).id) };
      }
    }
    return undefined;
  }

  private async requireItem(key: string): Promise<{ vaultId: string; item: Item }> {
    const found = await this.findItem(key);
    if (!found) throw new NoSecretError(`no 1Password item "${key}" in vaults ${this.vaultKeys.join(', ')}`);
    return found;
  }

  /**
   * The item of remoteRef.key, found once for all its properties: fields are picked from it, a file needs one
   * more call (its content is not part of the item).
   */
  async fetchSecret(ref: RemoteRef): Promise<FetchedSecret> {
    if (ref.version) throw new ProviderConfigError('the onepassword provider does not support remoteRef.version');
    const { vaultId, item } = await this.requireItem(ref.key);
    const fileOf = (name: string | undefined) => {
      const files = item.files ?? [];
      const file = name === undefined ? files[0] : files.find((f) => f.name === name);
      if (!file) {
        throw new ProviderError(`expected a file "${name ?? '(first)'}" in 1Password item '${item.title ?? item.id}'`);
      }
      return file;
    };
    return {
      pick: (property) => {
        const part = target(item, property);
        if (part.kind === 'file') throw new Error(`1Password file "${part.name ?? '(first)'}" needs load()`);
        return utf8(oneField(item, part.name as string).value ?? '');
      },
      load: (property) => {
        const part = target(item, property);
        if (part.kind !== 'file') return undefined;
        const file = fileOf(part.name); // a missing file fails here, before any call
        return () => this.connect.fileContent(vaultId, item.id, file);
      },
      // Files are not part of the item: getSecretMap reads them itself.
      secretMap: (property) => (readsFiles(item, property) ? undefined : fieldMap(item, property)),
    };
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return propertyValue(await this.fetchSecret(ref), ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    if (ref.version) throw new ProviderConfigError('the onepassword provider does not support remoteRef.version');
    const { vaultId, item } = await this.requireItem(ref.key);
    if (!readsFiles(item, ref.property)) return fieldMap(item, ref.property);
    const out: Record<string, Uint8Array> = Object.create(null);
    const only = ref.property?.replace(/^file\//, '') || undefined;
    for (const file of item.files ?? []) {
      if (!file.name || (only !== undefined && file.name !== only)) continue;
      out[file.name] = await this.connect.fileContent(vaultId, item.id, file);
    }
    return out;
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array>> {
    const matches = find.name?.regexp ? compileNameMatcher(find.name.regexp) : () => true;
    const tags = Object.keys(find.tags ?? {});
    const out: Record<string, Uint8Array> = Object.create(null);
    for (const { id: vaultId } of await this.vaultIds()) {
      const summaries = await this.connect.items(vaultId, find.path || undefined);
      for (const summary of summaries) {
        if (tags.length > 0 && !tags.every((t) => (summary.tags ?? []).includes(t))) continue;
        const item = await this.connect.item(vaultId, summary.id);
        if (item.category === 'DOCUMENT') {
          for (const file of item.files ?? []) {
            if (file.name && matches(file.name) && !(file.name in out)) {
              out[file.name] = await this.connect.fileContent(vaultId, item.id, file);
            }
          }
          continue;
        }
        for (const field of item.fields ?? []) {
          if (field.label && matches(field.label) && !(field.label in out)) out[field.label] = utf8(field.value ?? '');
        }
      }
      // ESO stops after the first vault when searching by tags.
      if (tags.length > 0) break;
    }
    return out;
  }

  private pushVault(metadata: unknown, vaults: Array<{ key: string; id: string }>): { key: string; id: string } {
    const wanted = (metadata as { spec?: { vault?: string } } | undefined)?.spec?.vault;
    if (!wanted) return vaults[0] as { key: string; id: string };
    const vault = vaults.find((v) => v.key === wanted || v.id === wanted);
    if (!vault) {
      throw new ProviderConfigError(
        `PushSecret metadata spec.vault "${wanted}" is not one of the store's vaults (${this.vaultKeys.join(', ')})`,
      );
    }
    return vault;
  }

  async pushSecret(source: PushSource, data: PushSecretData): Promise<void> {
    const title = data.remoteRef.remoteKey;
    if (!title) throw new ProviderConfigError('remoteRef.remoteKey must name the 1Password item to push to');
    if (!data.secretKey) {
      throw new ProviderConfigError('the onepassword provider pushes one key: set data[].match.secretKey');
    }
    const bytes = source.data[data.secretKey];
    if (bytes === undefined) {
      throw new ProviderConfigError(`the source Secret has no key "${data.secretKey}" (data[].match.secretKey)`);
    }
    const value = fromUtf8(bytes);
    const label = data.remoteRef.property || DEFAULT_PROPERTY;
    const tags = (data.metadata as { spec?: { tags?: string[] } } | undefined)?.spec?.tags;
    const existing = await this.findItem(title);
    if (!existing) {
      const vault = this.pushVault(data.metadata, await this.vaultIds());
      await this.connect.createItem(vault.id, {
        title,
        category: 'SERVER',
        vault: { id: vault.id },
        fields: [{ label, value, type: 'CONCEALED' }],
        ...(tags ? { tags } : {}),
      });
      await this.waitVisible(vault.id, title);
      return;
    }
    const { vaultId, item } = existing;
    const fields = [...(item.fields ?? [])];
    const index = fields.findIndex((f) => f.label === label);
    const tagsChanged = tags !== undefined && JSON.stringify(tags) !== JSON.stringify(item.tags ?? []);
    if (index >= 0 && fields[index]?.value === value && !tagsChanged) return; // nothing to write
    if (index >= 0) fields[index] = { ...fields[index], value };
    else fields.push({ label, value, type: 'CONCEALED' });
    await this.connect.replaceItem(vaultId, { ...item, fields, ...(tags ? { tags } : {}) });
  }

  /** Connect is eventually consistent: a second push right after a create must find the item, not create another. */
  private async waitVisible(vaultId: string, title: string): Promise<void> {
    const deadline = Date.now() + PUSH_VISIBLE_MAX_MS;
    while (Date.now() < deadline) {
      if ((await this.connect.items(vaultId, title)).length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, PUSH_VISIBLE_POLL_MS));
    }
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const found = await this.findItem(ref.remoteKey);
    if (!found) return;
    const { vaultId, item } = found;
    const label = ref.property || DEFAULT_PROPERTY;
    const fields = (item.fields ?? []).filter((f) => f.label !== label);
    if (fields.length === (item.fields ?? []).length) return;
    const sections = (item.sections ?? []).filter((s) => s.id || s.label);
    if (fields.length === 0 && (item.files ?? []).length === 0 && sections.length === 0) {
      await this.connect.deleteItem(vaultId, item.id);
      return;
    }
    await this.connect.replaceItem(vaultId, { ...item, fields });
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const found = await this.findItem(ref.remoteKey);
    const label = ref.property || DEFAULT_PROPERTY;
    return !!found && (found.item.fields ?? []).some((f) => f.label === label);
  }

  async validate(): Promise<Validation> {
    try {
      await this.connect.vaults();
      await this.vaultIds();
      return { result: 'Ready' };
    } catch (error) {
      return { result: 'Error', message: (error as Error).message };
    }
  }

  async close(): Promise<void> {}
}

export class OnePasswordSecretsProvider implements Provider {
  readonly key = 'onepassword';
  readonly capabilities = 'ReadWrite' as const;
  readonly maintained = true;
  readonly fetchesWholeSecrets = true;

  async newClient({ store, namespace, kube }: NewClientOptions): Promise<SecretsClient> {
    const spec = specOf(store);
    const problems = this.validateStore(store).errors;
    if (problems.length > 0) throw new ProviderConfigError(problems.join('; '));
    const ref = tokenRef(spec) as { name: string; key: string; namespace?: string };
    const tokenNamespace =
      store.kind === 'ClusterSecretStore' ? (ref.namespace as string) : (store.namespace ?? namespace);
    const token = await readSecretKey(
      operatorTransport(kube.kubeConfig),
      tokenNamespace,
      ref.name,
      ref.key,
      `reading the Connect token (${FIELD}.auth.secretRef.connectTokenSecretRef)`,
    );
    return new OnePasswordSecretsClient(
      new ConnectClient(spec.connectHost, token.toString('utf8').trim()),
      vaultOrder(spec.vaults),
    );
  }

  /** ESO's webhook checks, with messages that say what to fix. */
  validateStore(store: Pick<StoreObject, 'kind' | 'namespace' | 'spec'>): StoreValidationResult {
    const errors: string[] = [];
    const spec = store.spec?.provider?.onepassword;
    if (!spec) return { errors: [`${FIELD} is missing`], warnings: [] };
    try {
      const url = new URL(spec.connectHost);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      errors.push(`${FIELD}.connectHost must be an http(s) URL, e.g. http://onepassword-connect:8080`);
    }
    const priorities = Object.values(spec.vaults ?? {});
    if (priorities.length === 0) errors.push(`${FIELD}.vaults must name at least one vault`);
    if (new Set(priorities).size !== priorities.length) {
      errors.push(`${FIELD}.vaults: each vault needs its own order number`);
    }
    const ref = tokenRef(spec);
    if (!ref?.name || !ref.key) {
      errors.push(`${FIELD}.auth.secretRef.connectTokenSecretRef needs name and key`);
    } else if (store.kind === 'ClusterSecretStore' && !ref.namespace) {
      errors.push(`${FIELD}.auth.secretRef.connectTokenSecretRef.namespace is required for a ClusterSecretStore`);
    } else if (store.kind === 'SecretStore' && ref.namespace && ref.namespace !== store.namespace) {
      errors.push(`${FIELD}.auth.secretRef.connectTokenSecretRef.namespace must be empty or the store's namespace`);
    }
    return { errors, warnings: [] };
  }
}
