// Leader election on a coordination.k8s.io/v1 Lease, so only one replica of the operator writes at a time.
//
// Guarantees:
// * A candidate takes the Lease only if it is free (no holder, e.g. released) or its holder has not renewed it
//   for leaseDurationSeconds as observed on the candidate's own clock (never by comparing clocks of two
//   machines). Every write carries the resourceVersion it read, so two candidates cannot both win: the loser
//   gets 409 Conflict and keeps waiting.
// * The leader renews every retryPeriod. If it cannot renew within renewDeadline, it stops leading: the signal
//   passed to onStartedLeading aborts, then onStoppedLeading runs. renewDeadline < leaseDuration leaves the
//   old leader time to stop before anyone else may take over.
// * With releaseOnCancel (default), aborting run()'s signal while leading clears the holder, so another
//   candidate takes over at its next retry instead of waiting for the lease to expire.
// * Defaults are 15 s / 10 s / 2 s, as ESO's flags. Bad timings are refused with a message naming the relation
//   that is broken (leaseDuration > renewDeadline > retryPeriod * 1.2).
// Not guaranteed: that only one process *acts* as leader at any instant. A leader that is paused (GC, SIGSTOP)
// past its lease may still act until it notices; there is no fencing. Keep writes idempotent.
// run() leads at most once: after leadership is lost it returns, and the process should exit or call run() again.
import type { KubeClient, KubeObject } from './client.js';
import { type Clock, realClock, sleep, type Timer } from './clock.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { Resources } from './resources.js';

/** Retries are spread over [retryPeriod, retryPeriod * JITTER_FACTOR]. */
export const JITTER_FACTOR = 1.2;

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** Where the Lease lives. The default talks to the API server; tests may pass their own. */
export interface LeaseLock {
  /** The Lease, or undefined if it does not exist. */
  get(signal: AbortSignal): Promise<Lease | undefined>;
  /** Creates the Lease; fails with 409 AlreadyExists if someone else created it first. */
  create(spec: LeaseSpec, signal: AbortSignal): Promise<Lease>;
  /** Replaces the Lease; fails with 409 Conflict if it changed since `lease` was read. */
  update(lease: Lease, spec: LeaseSpec, signal: AbortSignal): Promise<Lease>;
  /** "namespace/name", for messages. */
  describe(): string;
}

export interface LeaderCallbacks {
  /** Called once this candidate leads; `signal` aborts when it stops leading. Errors are reported, not fatal. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called after leading ended (lost, or run() cancelled). */
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionTimings {
  /** How long a Lease stays valid without renewal (default 15000 ms). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up (default 10000 ms). */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew (default 2000 ms). */
  retryPeriodMs?: number;
}

export interface LeaderElectionConfig extends LeaderElectionTimings {
  /** Unique per process, e.g. pod name + random suffix. */
  identity: string;
  lock: LeaseLock;
  callbacks: LeaderCallbacks;
  /** Clear the holder when run() is cancelled while leading (default true). */
  releaseOnCancel?: boolean;
  /** Failed attempts and callback errors, for logs. */
  onError?(error: unknown): void;
  clock?: Clock;
  random?: () => number;
}

/** Fills in default timings and checks their relations; throws a RangeError naming the broken one. */
export function validateLeaderElectionTimings(timings: LeaderElectionTimings): Required<LeaderElectionTimings> {
  const t = {
    leaseDurationMs: timings.leaseDurationMs ?? 15_000,
    renewDeadlineMs: timings.renewDeadlineMs ?? 10_000,
    retryPeriodMs: timings.retryPeriodMs ?? 2_000,
  };
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`leader election ${name} must be > 0, got ${value}`);
  }
  if (t.leaseDurationMs % 1000 !== 0) {
    throw new RangeError(`leaseDurationMs must be whole seconds (the Lease stores seconds), got ${t.leaseDurationMs}`);
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) {
    throw new RangeError(
      `leaseDuration (${t.leaseDurationMs} ms) must be greater than renewDeadline (${t.renewDeadlineMs} ms), ` +
        'so a leader that cannot renew stops before another candidate may take over',
    );
  }
  if (!(t.renewDeadlineMs > JITTER_FACTOR * t.retryPeriodMs)) {
    throw new RangeError(
      `renewDeadline (${t.renewDeadlineMs} ms) must be greater than retryPeriod * ${JITTER_FACTOR} ` +
        `(${JITTER_FACTOR * t.retryPeriodMs} ms), so the leader gets at least one retry before giving up`,
    );
  }
  return t;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A LeaseLock on a real coordination.k8s.io/v1 Lease. */
export function kubeLeaseLock(client: KubeClient, namespace: string, name: string): LeaseLock {
  return {
    async get(signal) {
      try {
        return await client.get<Lease>(Resources.leases, name, { namespace, signal });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    create(spec, signal) {
      return client.create<Lease>(Resources.leases, { metadata: { name, namespace }, spec }, { signal });
    },
    update(lease, spec, signal) {
      return client.update<Lease>(Resources.leases, { ...lease, spec }, { signal });
    },
    describe: () => `${namespace}/${name}`,
  };
}

export class LeaderElector {
  readonly identity: string;
  readonly #config: LeaderElectionConfig;
  readonly #timings: Required<LeaderElectionTimings>;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** The last Lease read or written, and when (on our clock) its record last changed. */
  #observed: Lease | undefined;
  #observedAt = 0;
  #reportedLeader: string | undefined;
  #leading = false;
  #running = false;

  constructor(config: LeaderElectionConfig) {
    if (!config.identity) throw new RangeError('leader election needs a non-empty identity');
    this.#timings = validateLeaderElectionTimings(config);
    this.identity = config.identity;
    this.#config = config;
    this.#clock = config.clock ?? realClock;
    this.#random = config.random ?? Math.random;
  }

  /** True while this candidate holds the Lease and has renewed it within renewDeadline. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed (possibly stale by up to one retry period). */
  getLeader(): string | undefined {
    return this.#observed?.spec?.holderIdentity ?? undefined;
  }

  /**
   * Campaigns until this candidate leads, leads until it cannot renew or `signal` aborts, then returns.
   * Resolves without leading if `signal` aborts first.
   */
  async run(signal: AbortSignal = new AbortController().signal): Promise<void> {
    if (this.#running)
      throw new Error(`leader elector ${this.identity} for ${this.#config.lock.describe()} is already running`);
    this.#running = true;
    try {
      if (!(await this.#acquire(signal))) return;
      const leadership = new AbortController();
      this.#leading = true;
      this.#safely(() => this.#config.callbacks.onStartedLeading(leadership.signal));
      try {
        await this.#renewLoop(signal);
      } finally {
        this.#leading = false;
        leadership.abort(new Error('leadership ended'));
        if (signal.aborted && this.#config.releaseOnCancel !== false) await this.#release();
        this.#safely(() => this.#config.callbacks.onStoppedLeading?.());
      }
    } finally {
      this.#running = false;
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal, this.#timings.renewDeadlineMs)) return true;
      const wait = this.#timings.retryPeriodMs * (1 + (JITTER_FACTOR - 1) * this.#random());
      await sleep(this.#clock, wait, signal).catch(() => undefined);
    }
    return false;
  }

  async #renewLoop(signal: AbortSignal): Promise<void> {
    const { renewDeadlineMs, retryPeriodMs } = this.#timings;
    while (!signal.aborted) {
      const deadline = this.#clock.now() + renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && this.#clock.now() < deadline) {
        if (await this.#tryAcquireOrRenew(signal, deadline - this.#clock.now())) {
          renewed = true;
          break;
        }
        const wait = Math.min(retryPeriodMs, deadline - this.#clock.now());
        if (wait > 0) await sleep(this.#clock, wait, signal).catch(() => undefined);
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.#report(
          new Error(
            `${this.identity} could not renew lease ${this.#config.lock.describe()} within ${renewDeadlineMs} ms`,
          ),
        );
        return;
      }
      await sleep(this.#clock, retryPeriodMs, signal).catch(() => undefined);
    }
  }

  /** One attempt, bounded by timeoutMs. True if this candidate holds the Lease afterwards. */
  async #tryAcquireOrRenew(outer: AbortSignal, timeoutMs: number): Promise<boolean> {
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(outer.reason);
    outer.addEventListener('abort', onAbort, { once: true });
    if (outer.aborted) onAbort();
    const timer: Timer = this.#clock.setTimer(
      () => attempt.abort(new Error(`lease request timed out after ${timeoutMs} ms`)),
      Math.max(1, timeoutMs),
    );
    try {
      return await this.#attempt(attempt.signal);
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error) && !outer.aborted) this.#report(error);
      return false;
    } finally {
      timer.cancel();
      outer.removeEventListener('abort', onAbort);
    }
  }

  async #attempt(signal: AbortSignal): Promise<boolean> {
    const lock = this.#config.lock;
    const now = this.#clock.now();
    const leaseSeconds = this.#timings.leaseDurationMs / 1000;
    // Fast path: the leader renews from the copy it wrote last; a 409 sends it down the slow path next time.
    if (this.#leading && this.#observed?.spec?.holderIdentity === this.identity) {
      try {
        this.#observe(await lock.update(this.#observed, this.#renewedSpec(this.#observed.spec, now), signal));
        return true;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    const current = await lock.get(signal);
    if (!current) {
      const created = await lock.create(
        {
          holderIdentity: this.identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
        signal,
      );
      this.#observe(created);
      return true;
    }
    this.#observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const validMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (holder && holder !== this.identity && this.#observedAt + validMs > this.#clock.now()) return false;
    const next =
      holder === this.identity
        ? this.#renewedSpec(spec, now)
        : {
            holderIdentity: this.identity,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
          };
    this.#observe(await lock.update(current, next, signal));
    return true;
  }

  #renewedSpec(spec: LeaseSpec | undefined, now: number): LeaseSpec {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.#timings.leaseDurationMs / 1000,
      acquireTime: spec?.acquireTime ?? microTime(now),
      renewTime: microTime(now),
      leaseTransitions: spec?.leaseTransitions ?? 0,
    };
  }

  /** Remembers a Lease; the observation time moves only when its record changed (that is what expiry counts from). */
  #observe(lease: Lease): void {
    if (!this.#observed || recordOf(this.#observed) !== recordOf(lease)) this.#observedAt = this.#clock.now();
    this.#observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      this.#safely(() => this.#config.callbacks.onNewLeader?.(holder));
    }
  }

  /** Clears the holder so another candidate can take over at once. */
  async #release(): Promise<void> {
    const lease = this.#observed;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    const attempt = new AbortController();
    const timer = this.#clock.setTimer(
      () => attempt.abort(new Error('lease release timed out')),
      this.#timings.renewDeadlineMs,
    );
    try {
      this.#observe(
        await this.#config.lock.update(
          lease,
          {
            holderIdentity: null,
            leaseDurationSeconds: 1,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: lease.spec?.leaseTransitions ?? 0,
          },
          attempt.signal,
        ),
      );
    } catch (error) {
      this.#report(error); // the lease then simply expires
    } finally {
      timer.cancel();
    }
  }

  #safely(fn: () => void | Promise<void>): void {
    try {
      const result = fn();
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) => this.#report(error));
      }
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#config.onError?.(error);
    } catch {
      // A failing error reporter must not break leader election.
    }
  }
}

function recordOf(lease: Lease): string {
  const s = lease.spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? '',
    s.leaseDurationSeconds,
    s.acquireTime,
    s.renewTime,
    s.leaseTransitions,
  ]);
}
