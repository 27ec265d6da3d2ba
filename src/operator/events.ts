// Kubernetes events (core/v1) with ESO's reasons and component name. A repeat of the same event for the same
// object increments the count of the existing event (as client-go's correlator does) instead of creating a new
// one, and repeats are sent at most once per repeatIntervalMs (default 5 minutes; counted in between), so an
// ExternalSecret failing on every 1 s refresh does not write an event every second.
// Sending is best effort: a failure is logged, never fails a reconcile. Messages must not carry values.
// Like client-go's broadcaster, events queue (at most maxQueued, newer ones dropped beyond that) and one sender
// writes them one at a time: a burst of reconciles (an install, a restart) then spends the API server on Secrets
// and status first, and the events follow. The bound is 10,000 (client-go's is 1,000): Custos drains a backlog
// faster than its one sender writes events, and with 1,000 an install of 10,000 ExternalSecrets lost about two
// thirds of its `Created` events; 10,000 queued events take a few MB.
// With `deferWhile` (the operator: "first syncs are queued"), events also wait out such a burst, each at most
// maxDeferMs (default 60 s, longer than a restart with 10,000 ExternalSecrets takes): during an install every API
// request counts, and a Secret matters more than its `Created` event. Outside bursts nothing waits, and nothing
// waits once the queue is half full, so waiting never makes the queue drop an event.
import { randomBytes } from 'node:crypto';
import type { KubeClient, KubeObject } from '../kube/index.js';
import { Resources, realClock, sleep } from '../kube/index.js';
import { rfc3339 } from './externalsecret/status.js';

/** How often a deferred event looks whether the burst is over. */
const DEFER_POLL_MS = 50;

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

interface PendingEvent {
  target: EventTarget;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  queuedAt: number;
  done: () => void;
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
  readonly #maxQueued: number;
  readonly #onDropped: (reason: string) => void;
  readonly #deferWhile: () => boolean;
  readonly #maxDeferMs: number;
  /** Pending events from #head on (an array with a moving head: shift() would copy the whole queue each time). */
  #queue: PendingEvent[] = [];
  #head = 0;
  #sending = false;
  #dropped = 0;

  constructor(
    client: KubeClient,
    component: string,
    onError: (error: unknown) => void = () => {},
    options: {
      repeatIntervalMs?: number;
      now?: () => number;
      maxQueued?: number;
      /** Told of every event dropped because the queue was full (for a metric and a throttled warning). */
      onDropped?: (reason: string) => void;
      /** While this is true (a burst of reconciles), events wait, each at most maxDeferMs. */
      deferWhile?: () => boolean;
      maxDeferMs?: number;
    } = {},
  ) {
    this.#client = client;
    this.#component = component;
    this.#onError = onError;
    this.#repeatIntervalMs = options.repeatIntervalMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#deferWhile = options.deferWhile ?? (() => false);
    this.#maxDeferMs = options.maxDeferMs ?? 60_000;
    // Without a listener of its own, a drop is reported as an error.
    this.#onDropped =
      options.onDropped ??
      ((reason) => onError(new Error(`event queue full (${this.#maxQueued}): dropped a ${reason} event`)));
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues an event; resolves when it was sent, failed or dropped. Callers usually do not wait. */
  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (this.#queue.length - this.#head >= this.#maxQueued) {
      this.#dropped++;
      this.#onDropped(reason);
      return Promise.resolve();
    }
    return new Promise((done) => {
      this.#queue.push({ target, type, reason, message, queuedAt: this.#now(), done });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      for (let next = this.#take(); next; next = this.#take()) {
        while (this.#mayDefer(next)) await sleep(realClock, DEFER_POLL_MS);
        await this.#send(next.target, next.type, next.reason, next.message);
        next.done();
      }
    } finally {
      this.#sending = false;
    }
  }

  /** Waiting never costs an event: it stops once the queue is half full, and after maxDeferMs. */
  #mayDefer(event: PendingEvent): boolean {
    return (
      this.#queue.length - this.#head < this.#maxQueued / 2 &&
      this.#now() - event.queuedAt < this.#maxDeferMs &&
      this.#deferWhile()
    );
  }

  #take(): PendingEvent | undefined {
    const next = this.#queue[this.#head];
    if (!next) {
      this.#queue = [];
      this.#head = 0;
      return undefined;
    }
    this.#queue[this.#head++] = undefined as unknown as PendingEvent;
    // Drop the sent part now and then, so a long burst does not keep a long array alive.
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return next;
  }

  async #send(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
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
