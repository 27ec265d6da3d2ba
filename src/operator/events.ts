// Kubernetes events (core/v1) with ESO's reasons and component name. A repeat of the same event for the same
// object increments the count of the existing event (as client-go's correlator does) instead of creating a new
// one, and repeats are sent at most once per repeatIntervalMs (default 5 minutes; counted in between), so an
// ExternalSecret failing on every 1 s refresh does not write an event every second.
// Sending is best effort: a failure is logged, never fails a reconcile. Messages must not carry values.
import { randomBytes } from 'node:crypto';
import type { KubeClient, KubeObject } from '../kube/index.js';
import { Resources } from '../kube/index.js';
import { rfc3339 } from './externalsecret/status.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

interface LastEvent {
  name: string;
  namespace: string;
  reason: string;
  message: string;
  type: string;
  count: number;
  /** When the event was last written; repeats before sentAt + repeatIntervalMs are only counted. */
  sentAt: number;
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #last = new Map<string, LastEvent>();
  readonly #onError: (error: unknown) => void;
  readonly #repeatIntervalMs: number;
  readonly #now: () => number;

  constructor(
    client: KubeClient,
    component: string,
    onError: (error: unknown) => void = () => {},
    options: { repeatIntervalMs?: number; now?: () => number } = {},
  ) {
    this.#client = client;
    this.#component = component;
    this.#onError = onError;
    this.#repeatIntervalMs = options.repeatIntervalMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** Sends an event; resolves when done (or failed). Callers usually do not wait. */
  async record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const uid = target.metadata.uid ?? '';
    // Cluster-scoped objects (ClusterSecretStore) get their events in "default", as client-go does.
    const namespace = target.metadata.namespace || 'default';
    const now = rfc3339(new Date());
    const last = this.#last.get(uid);
    try {
      if (last && last.reason === reason && last.message === message && last.type === type) {
        last.count++;
        if (this.#now() - last.sentAt < this.#repeatIntervalMs) return;
        last.sentAt = this.#now();
        await this.#client.patch(
          Resources.events,
          last.name,
          { count: last.count, lastTimestamp: now },
          { namespace: last.namespace },
        );
        return;
      }
      const name = `${target.metadata.name}.${randomBytes(8).toString('hex')}`;
      const event: KubeObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name: target.metadata.name,
          namespace: target.metadata.namespace,
          uid,
          resourceVersion: target.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.#component },
        reportingComponent: this.#component,
      };
      this.#last.set(uid, { name, namespace, reason, message, type, count: 1, sentAt: this.#now() });
      await this.#client.create(Resources.events, event);
    } catch (error) {
      this.#last.delete(uid);
      this.#onError(error);
    }
  }

  /** Forgets an object (it was deleted). */
  forget(uid: string | undefined): void {
    if (uid) this.#last.delete(uid);
  }
}
