// A budget of provider calls per store, so many ExternalSecrets cannot exhaust a provider's rate limit (users of
// ESO hit 1Password's, AWS's and Azure's limits: a storm of reads on start-up, or one bad item retried by many
// ExternalSecrets). Coalescing already makes identical reads one call; this bounds distinct ones. A token bucket
// per store (keyed by kind, namespace and name, so a spec change keeps its budget): calls beyond it wait their
// turn in order instead of failing at the provider. Off unless set: the operator's --provider-qps for every store,
// or a store's own annotations, which win:
//   custos.dev/provider-qps: "5"      calls per second (decimals allowed: "0.5" is one call every 2 s)
//   custos.dev/provider-burst: "10"   calls allowed at once after a quiet period (default: twice the rate, >= 1)
import type { Clock } from '../../kube/clock.js';
import { realClock } from '../../kube/clock.js';
import { TokenBucket } from '../../kube/tokenbucket.js';
import { ProviderConfigError } from '../../providers/errors.js';
import type { ResolvedStore } from './stores.js';

export const ANNOTATION_PROVIDER_QPS = 'custos.dev/provider-qps';
export const ANNOTATION_PROVIDER_BURST = 'custos.dev/provider-burst';

export interface StoreRate {
  /** Calls per second; 0 is unlimited. */
  qps: number;
  burst?: number;
}

/** The rate a store is held to: its annotations, else the default. Bad annotations say what to write. */
export function storeRateOf(store: ResolvedStore, defaults: StoreRate): { qps: number; burst: number } {
  const annotations = store.resource.metadata?.annotations ?? {};
  const ownQps = annotationNumber(annotations[ANNOTATION_PROVIDER_QPS], ANNOTATION_PROVIDER_QPS);
  const ownBurst = annotationNumber(annotations[ANNOTATION_PROVIDER_BURST], ANNOTATION_PROVIDER_BURST, 1);
  const qps = ownQps ?? defaults.qps;
  // A store that sets its own rate but no burst gets twice its rate, not the operator-wide burst.
  const burst = ownBurst ?? (ownQps === undefined ? defaults.burst : undefined) ?? Math.max(1, 2 * qps);
  return { qps, burst };
}

function annotationNumber(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < min) {
    throw new ProviderConfigError(
      `annotation ${name} of the store is "${value}": write a number >= ${min} (e.g. "5"${min === 0 ? ', "0.5", or "0" for no limit' : ''})`,
    );
  }
  return n;
}

export class StoreRateLimits {
  readonly #defaults: StoreRate;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { qps: number; burst: number; bucket: TokenBucket }>();

  constructor(defaults: StoreRate = { qps: 0 }, clock: Clock = realClock) {
    this.#defaults = defaults;
    this.#clock = clock;
  }

  /** How long the next call through this store must wait (0: now); the call is counted. */
  reserve(store: ResolvedStore): number {
    const { qps, burst } = storeRateOf(store, this.#defaults);
    if (qps <= 0) return 0;
    const key = `${store.object.kind}/${store.object.namespace ?? ''}/${store.object.name}`;
    let entry = this.#buckets.get(key);
    if (!entry || entry.qps !== qps || entry.burst !== burst) {
      entry = { qps, burst, bucket: new TokenBucket(qps, burst, this.#clock) };
      this.#buckets.set(key, entry);
    }
    return entry.bucket.reserve();
  }
}
