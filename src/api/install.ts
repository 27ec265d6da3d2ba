// Installs (or upgrades) the Custos CRDs on a cluster with server-side apply and waits until the API server
// serves each of them. Running it again is a no-op apart from the apply requests.
import {
  ApiextensionsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { allCrds, type CustomResourceDefinition } from './crds.js';

export const CRD_FIELD_MANAGER = 'custos-crd-installer';

export interface InstallCrdsOptions {
  /** How long to wait for all CRDs to become Established (default 60 s). */
  timeoutMs?: number;
  /** Field manager of the apply (default `custos-crd-installer`). */
  fieldManager?: string;
  /** Only these CRDs (default: all of them). */
  crds?: CustomResourceDefinition[];
  /** Poll interval while waiting (default 200 ms). */
  pollMs?: number;
}

export class CrdInstallError extends Error {
  constructor(
    message: string,
    readonly crd: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'CrdInstallError';
  }
}

/** The API server's own explanation from a failed request, without echoing the request body. */
function serverReason(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: fall through to the plain message
    }
  }
  const status = body as { message?: string } | undefined;
  let detail = status?.message ?? e.message ?? String(error);
  if (detail.includes('storedVersions')) {
    // Typical after an old ESO install that stored objects in a version Custos no longer serves.
    detail +=
      '; migrate the stored objects to the served versions (or drop the old version from status.storedVersions) and retry';
  }
  return e.code ? `HTTP ${e.code}: ${detail}` : detail;
}

function condition(crd: V1CustomResourceDefinition, type: string) {
  return crd.status?.conditions?.find((c) => c.type === type);
}

async function waitEstablished(api: ApiextensionsV1Api, name: string, deadline: number, pollMs: number) {
  for (;;) {
    const current = await api.readCustomResourceDefinition({ name });
    const established = condition(current, 'Established');
    if (established?.status === 'True') return;
    const names = condition(current, 'NamesAccepted');
    if (names?.status === 'False') {
      throw new CrdInstallError(
        `CRD ${name} was not accepted: ${names.message ?? names.reason ?? 'names conflict'}; remove the conflicting CRD and retry`,
        name,
      );
    }
    if (Date.now() > deadline) {
      throw new CrdInstallError(
        `CRD ${name} is not Established yet (${established?.message ?? 'no Established condition'}); check the API server and retry`,
        name,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Creates or updates every CRD with server-side apply (forcing ownership of the fields it sets, so CRDs that
 * another manager installed, e.g. ESO's chart, are updated instead of conflicting) and waits until each one is
 * Established.
 */
export async function installCrds(kc: KubeConfig, options: InstallCrdsOptions = {}): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = options.crds ?? allCrds();
  const fieldManager = options.fieldManager ?? CRD_FIELD_MANAGER;
  const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const names: string[] = [];
  for (const crd of crds) {
    const name = crd.metadata.name;
    try {
      await api.patchCustomResourceDefinition({ name, body: crd, fieldManager, force: true }, applyOptions);
    } catch (error) {
      throw new CrdInstallError(`cannot apply CRD ${name}: ${serverReason(error)}`, name, error);
    }
    names.push(name);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (const name of names) {
    try {
      await waitEstablished(api, name, deadline, options.pollMs ?? 200);
    } catch (error) {
      if (error instanceof CrdInstallError) throw error;
      throw new CrdInstallError(`cannot read CRD ${name}: ${serverReason(error)}`, name, error);
    }
  }
  return names;
}

export { allCrds } from './crds.js';
