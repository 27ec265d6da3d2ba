// API discovery: finds the REST resource (plural, scope) the server uses for an apiVersion and kind, so callers
// can address kinds they only know by name (e.g. an ExternalSecret's generic target). One GET per group/version,
// cached; a kind that is not found refreshes the cache at most every `missRetryMs`, so a CRD installed later is
// picked up without hammering the server.
import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';
import type { ResourceType } from './resources.js';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

interface CacheEntry {
  fetchedAt: number;
  /** undefined: the server does not serve this group/version. */
  resources: ApiResource[] | undefined;
}

/** The apiVersion or kind is not served; the message says which and what to check. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

export interface ResourceDiscoveryOptions {
  /** How long a successful answer is trusted (default 10 min). */
  ttlMs?: number;
  /** Shortest time between two lookups of a group/version that lacked the kind asked for (default 5 s). */
  missRetryMs?: number;
  now?: () => number;
}

/** Splits "group/version" or "version" (core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0]) return { group: '', version: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { group: parts[0], version: parts[1] };
  throw new DiscoveryError(`apiVersion "${apiVersion}" is not valid: use "version" or "group/version"`);
}

export class ResourceDiscovery {
  readonly #client: KubeClient;
  readonly #ttlMs: number;
  readonly #missRetryMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<CacheEntry>>();

  constructor(client: KubeClient, options: ResourceDiscoveryOptions = {}) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#missRetryMs = options.missRetryMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  /** The resource serving `kind` in `apiVersion`; throws DiscoveryError when the server has none. */
  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceType> {
    const { group, version } = parseApiVersion(apiVersion);
    let entry = await this.#entry(apiVersion, false, signal);
    let found = findKind(entry, kind);
    if (!found && this.#now() - entry.fetchedAt >= this.#missRetryMs) {
      entry = await this.#entry(apiVersion, true, signal);
      found = findKind(entry, kind);
    }
    if (!entry.resources) {
      throw new DiscoveryError(
        `the cluster does not serve apiVersion "${apiVersion}": check the apiVersion, or install the CRD that defines it`,
      );
    }
    if (!found) {
      const kinds = [...new Set(entry.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind))].sort();
      throw new DiscoveryError(
        `apiVersion "${apiVersion}" has no kind "${kind}" (kinds are case-sensitive; served: ${kinds.join(', ') || 'none'})`,
      );
    }
    return { group, version, plural: found.name, namespaced: found.namespaced, kind: found.kind };
  }

  /** Drops what is cached (e.g. after a CRD was installed or removed). */
  forget(): void {
    this.#cache.clear();
  }

  async #entry(apiVersion: string, refresh: boolean, signal?: AbortSignal): Promise<CacheEntry> {
    const cached = this.#cache.get(apiVersion);
    if (cached && !refresh && this.#now() - cached.fetchedAt < this.#ttlMs) return cached;
    let pending = this.#pending.get(apiVersion);
    if (!pending) {
      pending = this.#fetch(apiVersion, signal).finally(() => this.#pending.delete(apiVersion));
      this.#pending.set(apiVersion, pending);
    }
    const entry = await pending;
    this.#cache.set(apiVersion, entry);
    return entry;
  }

  async #fetch(apiVersion: string, signal?: AbortSignal): Promise<CacheEntry> {
    const { group } = parseApiVersion(apiVersion);
    const path = group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = await this.#client.request<{ resources?: ApiResource[] }>('GET', path, { signal });
      return { fetchedAt: this.#now(), resources: list?.resources ?? [] };
    } catch (error) {
      if (isNotFound(error)) return { fetchedAt: this.#now(), resources: undefined };
      throw error;
    }
  }
}

function findKind(entry: CacheEntry, kind: string): ApiResource | undefined {
  // Subresources (e.g. "deployments/scale") carry their parent's or another kind: only top-level resources count.
  return entry.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
}
