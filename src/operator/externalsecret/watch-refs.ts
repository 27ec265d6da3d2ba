// Which remote keys and paths each ExternalSecret reads, per store client, so one provider watch per client can
// be kept on exactly those refs and a reported change can be mapped back to the ExternalSecrets to refresh.
// Pure bookkeeping: no clients, no timers (provider-watches.ts does the I/O).
import type { ExternalSecret, SecretStoreRef } from '../../api/generated/types.js';
import type { WatchRef } from '../../providers/contract.js';
import { refreshIntervalMs } from '../duration.js';

/** One thing an ExternalSecret reads: a store (as referenced) and a key or path in it. */
export interface ReadRef {
  storeRef: SecretStoreRef | undefined;
  ref: WatchRef;
}

/** A watched ref bound to the client it is read through ("<store identity>|<namespace>"). */
export interface ClientRef {
  clientKey: string;
  ref: WatchRef;
}

/**
 * Only Periodic ExternalSecrets with an interval react to remote changes: CreatedOnce, OnChange and interval 0
 * mean "do not re-read the provider by yourself", and a change feed must not override that.
 */
export function wantsRemoteChanges(es: Pick<ExternalSecret, 'spec'>): boolean {
  if ((es.spec?.refreshPolicy ?? 'Periodic') !== 'Periodic') return false;
  try {
    return refreshIntervalMs(es.spec?.refreshInterval) > 0;
  } catch {
    return false;
  }
}

/** The remote keys (`data[].remoteRef`, `dataFrom[].extract`) and paths (`dataFrom[].find`) of an ExternalSecret. */
export function readRefsOf(es: Pick<ExternalSecret, 'spec'>): ReadRef[] {
  const spec = es.spec ?? {};
  const out: ReadRef[] = [];
  for (const entry of spec.dataFrom ?? []) {
    if (entry.sourceRef?.generatorRef) continue;
    const storeRef = entry.sourceRef?.storeRef ?? spec.secretStoreRef;
    if (entry.extract?.key) out.push({ storeRef, ref: { key: normalizeRemotePath(entry.extract.key) } });
    else if (entry.find) out.push({ storeRef, ref: { path: normalizeRemotePath(entry.find.path ?? '') } });
  }
  for (const entry of spec.data ?? []) {
    if (entry.sourceRef?.generatorRef || !entry.remoteRef?.key) continue;
    out.push({
      storeRef: entry.sourceRef?.storeRef ?? spec.secretStoreRef,
      ref: { key: normalizeRemotePath(entry.remoteRef.key) },
    });
  }
  return out;
}

/** "a/b", "/a/b/" and "/a//b" all become "/a/b"; "" and "/" become "/". */
export function normalizeRemotePath(path: string): string {
  const segments = path.split('/').filter(Boolean);
  return `/${segments.join('/')}`;
}

function refId(ref: WatchRef): string {
  return ref.key !== undefined ? `key:${ref.key}` : `path:${ref.path ?? '/'}`;
}

function matches(ref: WatchRef, changedKey: string): boolean {
  if (ref.key !== undefined) return ref.key === changedKey;
  const prefix = ref.path ?? '/';
  return prefix === '/' || changedKey === prefix || changedKey.startsWith(`${prefix}/`);
}

export class WatchBook {
  /** ExternalSecret key -> the client refs it reads. */
  readonly #byExternalSecret = new Map<string, ClientRef[]>();
  /** client key -> ref id -> ExternalSecret keys reading it. */
  readonly #byClient = new Map<string, Map<string, { ref: WatchRef; readers: Set<string> }>>();

  /**
   * Records what an ExternalSecret reads now (replacing what it read before) and returns the client keys whose
   * set of refs changed (their watches must be reopened, or closed when the set became empty).
   */
  set(esKey: string, refs: ClientRef[]): string[] {
    const before = this.#byExternalSecret.get(esKey) ?? [];
    const sig = (list: ClientRef[]) => new Set(list.map((r) => `${r.clientKey}\n${refId(r.ref)}`));
    const oldSet = sig(before);
    const newSet = sig(refs);
    const changed = new Set<string>();
    for (const r of before) {
      if (newSet.has(`${r.clientKey}\n${refId(r.ref)}`)) continue;
      const refs = this.#byClient.get(r.clientKey);
      const entry = refs?.get(refId(r.ref));
      entry?.readers.delete(esKey);
      if (entry && entry.readers.size === 0) {
        refs?.delete(refId(r.ref));
        changed.add(r.clientKey);
      }
      if (refs && refs.size === 0) this.#byClient.delete(r.clientKey);
    }
    for (const r of refs) {
      if (oldSet.has(`${r.clientKey}\n${refId(r.ref)}`)) continue;
      let clientRefs = this.#byClient.get(r.clientKey);
      if (!clientRefs) {
        clientRefs = new Map();
        this.#byClient.set(r.clientKey, clientRefs);
      }
      const id = refId(r.ref);
      let entry = clientRefs.get(id);
      if (!entry) {
        entry = { ref: r.ref, readers: new Set() };
        clientRefs.set(id, entry);
        changed.add(r.clientKey);
      }
      entry.readers.add(esKey);
    }
    if (refs.length === 0) this.#byExternalSecret.delete(esKey);
    else this.#byExternalSecret.set(esKey, [...refs]);
    return [...changed].sort();
  }

  /** Forgets an ExternalSecret; returns the client keys whose refs changed. */
  delete(esKey: string): string[] {
    return this.set(esKey, []);
  }

  /** The distinct refs of one client, sorted (keys first), for opening its watch. */
  refsOf(clientKey: string): WatchRef[] {
    const refs = [...(this.#byClient.get(clientKey)?.values() ?? [])].map((e) => e.ref);
    return refs.sort((a, b) => refId(a).localeCompare(refId(b)));
  }

  /** The client keys with at least one ref. */
  clients(): string[] {
    return [...this.#byClient.keys()].sort();
  }

  /** The ExternalSecrets that read a changed remote key through a client, sorted. */
  affected(clientKey: string, changedKey: string): string[] {
    const key = normalizeRemotePath(changedKey);
    const out = new Set<string>();
    for (const entry of this.#byClient.get(clientKey)?.values() ?? []) {
      if (matches(entry.ref, key)) for (const reader of entry.readers) out.add(reader);
    }
    return [...out].sort();
  }
}
