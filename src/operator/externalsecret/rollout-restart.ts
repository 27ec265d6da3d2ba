// Restarts the workloads that use a Secret when its data changes: the feature users most often ask ESO for (they
// run Reloader next to it today). Opt-in per ExternalSecret with the annotation
//   custos.dev/rollout-restart: "deployment/web, statefulset/db, daemonset/agent, rollout/api"
// (workloads of the ExternalSecret's namespace; rollout is an Argo Rollout). The restart is what
// `kubectl rollout restart` does -- a change of the pod template's annotations -- but the value is a token of the
// Secret's data (restartToken: keyed with the Secret's uid, so it tells Deployment readers nothing about the
// data), one annotation per Secret (`secret-hash.custos.dev/<secret>`), which makes it level-based:
// * patching the value a workload already has changes nothing (the API server skips no-op writes), so a repeat
//   or a drift repair that restores the same data never restarts anything;
// * a new leader can tell a restart that the old one did not get to (the workload's value differs from the
//   Secret's token) from a workload that was never restarted (no value: left alone, so an operator restart
//   does not restart every application).
// Changes are collected for a short debounce (several ExternalSecrets feeding one workload give one rollout) and
// one workload restarts at most once per minInterval (a flapping value cannot start a rollout storm).
import { createHash, createHmac } from 'node:crypto';
import type { KubeClient, KubeObject, ResourceType } from '../../kube/index.js';
import { isForbidden, isNotFound } from '../../kube/index.js';

export const ANNOTATION_ROLLOUT_RESTART = 'custos.dev/rollout-restart';
const HASH_ANNOTATION_PREFIX = 'secret-hash.custos.dev/';

/** The workload kinds a rollout restart can name (also what the install's RBAC grants for it). */
export const workloadResources: Record<string, ResourceType> = {
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true, kind: 'Deployment' },
  statefulset: { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true, kind: 'StatefulSet' },
  daemonset: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true, kind: 'DaemonSet' },
  // Argo Rollouts: a changed pod template is a new revision, rolled out by the Rollout's own strategy.
  rollout: { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespaced: true, kind: 'Rollout' },
};
const kindAliases: Record<string, string> = {
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  sts: 'statefulset',
  daemonset: 'daemonset',
  daemonsets: 'daemonset',
  ds: 'daemonset',
  rollout: 'rollout',
  rollouts: 'rollout',
  ro: 'rollout',
};

interface WorkloadTemplate extends KubeObject {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

export interface RestartTarget {
  /** deployment, statefulset, daemonset or rollout. */
  kind: string;
  name: string;
}

/** The targets named by the annotation; a malformed entry is an error that says what to write instead. */
export function parseRestartTargets(value: string | undefined): RestartTarget[] {
  if (value === undefined || value.trim() === '') return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [kind = '', name = '', ...rest] = entry.split('/');
      const canonical = kindAliases[kind.toLowerCase()];
      if (!canonical || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || rest.length > 0) {
        throw new Error(
          `invalid ${ANNOTATION_ROLLOUT_RESTART} entry "${entry}": write <kind>/<name> with kind deployment, ` +
            'statefulset, daemonset or rollout (Argo Rollouts), e.g. "deployment/web, statefulset/db"',
        );
      }
      return { kind: canonical, name };
    });
}

/**
 * The value a workload records for one version of a Secret's data: an HMAC of the data-hash keyed with the
 * Secret's uid. Not the data-hash itself: Deployments are readable by many who may not read Secrets (the `view`
 * role), and a plain hash of a short password can be brute-forced; the uid is known only to Secret readers.
 */
export function restartToken(secretUid: string, dataHash: string): string {
  return createHmac('sha256', secretUid).update(dataHash).digest('hex');
}

/** The pod-template annotation that carries a Secret's restart token (hashed when the name is too long for a key). */
export function hashAnnotationKey(secretName: string): string {
  const short =
    secretName.length <= 63 ? secretName : `${createHash('sha256').update(secretName).digest('hex').slice(0, 40)}`;
  return `${HASH_ANNOTATION_PREFIX}${short}`;
}

export type RestartEvent = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface RolloutRestarterOptions {
  client: KubeClient;
  /** Collect changes this long before restarting (default 2 s). */
  debounceMs?: number;
  /** Restart one workload at most once per this many ms (default 60 s). */
  minIntervalMs?: number;
  now?: () => number;
  onRestart?(kind: string, result: 'restarted' | 'unchanged' | 'failed'): void;
  onError?(message: string): void;
}

interface Pending {
  namespace: string;
  target: RestartTarget;
  annotations: Record<string, string>;
  /** Who asked, to tell each of them (secret name + the ExternalSecret's event sink). */
  askers: Array<{ secretName: string; event: RestartEvent }>;
  timer: NodeJS.Timeout;
  /** Failed attempts so far (a transient error or missing permission is retried with backoff). */
  attempts: number;
}

export class RolloutRestarter {
  readonly #o: RolloutRestarterOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  /** workload key -> when it was last restarted by this process. */
  readonly #lastRestart = new Map<string, number>();
  #closed = false;

  constructor(options: RolloutRestarterOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** A Secret's data changed to `hash`: restart these workloads (debounced; a no-op where they already have it). */
  secretChanged(
    namespace: string,
    targets: RestartTarget[],
    secretName: string,
    hash: string,
    event: RestartEvent,
  ): void {
    if (this.#closed) return;
    for (const target of targets) {
      const key = `${namespace}/${target.kind}/${target.name}`;
      let pending = this.#pending.get(key);
      if (!pending) {
        const last = this.#lastRestart.get(key);
        const earliest = last === undefined ? 0 : last + (this.#o.minIntervalMs ?? 60_000);
        const delay = Math.max(this.#o.debounceMs ?? 2000, earliest - this.#now());
        pending = { namespace, target, annotations: {}, askers: [], timer: this.#timer(key, delay), attempts: 0 };
        this.#pending.set(key, pending);
      }
      pending.annotations[hashAnnotationKey(secretName)] = hash;
      pending.askers.push({ secretName, event });
    }
  }

  /**
   * After a restart of the operator: restarts the workloads whose recorded data-hash of this Secret differs from
   * the Secret's (a restart the previous leader did not get to). Workloads with none recorded are left alone.
   */
  async catchUp(
    namespace: string,
    targets: RestartTarget[],
    secretName: string,
    hash: string,
    event: RestartEvent,
    signal?: AbortSignal,
  ): Promise<void> {
    const missed: RestartTarget[] = [];
    for (const target of targets) {
      const resource = workloadResources[target.kind]!;
      try {
        const workload = await this.#o.client.get<WorkloadTemplate>(resource, target.name, { namespace, signal });
        const recorded = workload.spec?.template?.metadata?.annotations?.[hashAnnotationKey(secretName)];
        if (recorded !== undefined && recorded !== hash) missed.push(target);
      } catch (error) {
        // Reported when a change asks for a restart; nothing to catch up on a workload that cannot be read.
        if (!isNotFound(error)) this.#o.onError?.(`cannot read ${target.kind}/${target.name}: ${messageOf(error)}`);
      }
    }
    if (missed.length > 0) this.secretChanged(namespace, missed, secretName, hash, event);
  }

  #timer(key: string, delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => void this.#flush(key), delayMs);
    timer.unref?.();
    return timer;
  }

  /** Restarts what is still waiting for its debounce now (shutdown or lost leadership), then takes no more. */
  async close(): Promise<void> {
    this.#closed = true;
    const keys = [...this.#pending.keys()];
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    await Promise.all(keys.map((key) => this.#flush(key)));
  }

  async #flush(key: string): Promise<void> {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    const { namespace, target } = pending;
    const resource = workloadResources[target.kind]!;
    const what = `${target.kind}/${target.name}`;
    const secrets = [...new Set(pending.askers.map((a) => a.secretName))].map((s) => `"${s}"`).join(', ');
    const tell = (type: 'Normal' | 'Warning', reason: string, message: string) => {
      const told = new Set<RestartEvent>();
      for (const { event } of pending.askers) {
        if (told.has(event)) continue;
        told.add(event);
        event(type, reason, message);
      }
    };
    try {
      const workload = await this.#o.client.get<WorkloadTemplate>(resource, target.name, { namespace });
      if (!workload.spec?.template) {
        // An Argo Rollout with spec.workloadRef takes its pod template from a Deployment: restart that one.
        throw new NoTemplateError(
          `${resource.kind} "${target.name}" has no spec.template (it uses spec.workloadRef): name the workload it refers to instead`,
        );
      }
      const current = workload.spec.template.metadata?.annotations ?? {};
      if (Object.entries(pending.annotations).every(([k, v]) => current[k] === v)) {
        this.#o.onRestart?.(target.kind, 'unchanged');
        return;
      }
      await this.#o.client.patch(
        resource,
        target.name,
        { spec: { template: { metadata: { annotations: pending.annotations } } } },
        { namespace, patchType: 'merge', fieldManager: 'custos-rollout-restart' },
      );
      this.#lastRestart.set(key, this.#now());
      this.#o.onRestart?.(target.kind, 'restarted');
      tell('Normal', 'RolloutRestarted', `restarted ${what}: Secret ${secrets} changed`);
    } catch (error) {
      this.#o.onRestart?.(target.kind, 'failed');
      // A missing workload or template needs the user; anything else (a permission not granted yet, an API
      // error) is tried again, 30 s doubling to 5 min, unless newer changes already wait for this workload.
      const retry = !(error instanceof NoTemplateError) && !isNotFound(error) && !this.#closed;
      if (retry && !this.#pending.has(key)) {
        pending.attempts++;
        pending.timer = this.#timer(key, Math.min(30_000 * 2 ** (pending.attempts - 1), 300_000));
        this.#pending.set(key, pending);
      }
      const why =
        error instanceof NoTemplateError
          ? error.message
          : isNotFound(error)
            ? `${resource.kind} "${target.name}" does not exist in namespace "${namespace}"`
            : isForbidden(error)
              ? `the operator may not patch ${resource.plural}: grant it patch on ${resource.group} ${resource.plural} ` +
                '(custos deploy print --rollout-restarts, or the chart value rolloutRestarts.enabled)'
              : messageOf(error);
      tell('Warning', 'RolloutRestartFailed', `could not restart ${what} after Secret ${secrets} changed: ${why}`);
      this.#o.onError?.(`rollout restart of ${what} failed: ${why}`);
    }
  }
}

class NoTemplateError extends Error {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
