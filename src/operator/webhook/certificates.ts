// Self-managed certificates for the admission webhook (ESO's cert controller, without cert-manager): the serving
// certificate lives in a Secret of the operator's namespace, shared by every replica; the first replica to find it
// missing or close to expiry writes a new one (a conflict means another replica won: its certificate is used), each
// replica writes it into its cert dir (the server reloads it), and the CA is put into the
// ValidatingWebhookConfiguration's caBundle, next to the previous CA so replicas still serving the old
// certificate keep working until they pick up the new one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  Resources,
} from '../../kube/index.js';

export interface SelfManagedCertificateOptions {
  client: KubeClient;
  /** Namespace of the operator, where the Secret is kept. */
  namespace: string;
  secretName: string;
  /** The webhook Service: the certificate is for <service>.<namespace>.svc (and the shorter forms). */
  serviceName: string;
  /** The ValidatingWebhookConfiguration whose caBundles are kept current. */
  configName: string;
  certDir: string;
  logger: Logger;
  validityMs?: number;
  renewBeforeMs?: number;
}

interface CertificateSecret extends KubeObject {
  data?: Record<string, string>;
}

interface WebhookConfiguration extends KubeObject {
  webhooks?: Array<{ name: string; clientConfig?: { caBundle?: string } }>;
}

const DAY_MS = 24 * 3600 * 1000;
const webhookConfigurations = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingwebhookconfigurations',
  kind: 'ValidatingWebhookConfiguration',
  namespaced: false,
} as const;

const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64').toString('utf8') : '');
const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The PEM blocks of a bundle, each ending with a newline. */
function pemBlocks(bundle: string): string[] {
  return (
    bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((b) => b.trimEnd() + '\n') ??
    []
  );
}

async function usable(secret: CertificateSecret | undefined, renewBeforeMs: number): Promise<boolean> {
  const cert = decode(secret?.data?.['tls.crt']);
  if (!cert || !secret?.data?.['tls.key'] || !secret.data['ca.crt']) return false;
  const { certificateNotAfter } = await import('../../kube/serving-certificate.js');
  return certificateNotAfter(cert).getTime() - Date.now() > renewBeforeMs;
}

/** The current certificate Secret, renewed or created first when it is missing or expires within renewBeforeMs. */
export async function ensureCertificateSecret(options: SelfManagedCertificateOptions): Promise<CertificateSecret> {
  const { client, namespace, secretName } = options;
  const renewBeforeMs = options.renewBeforeMs ?? 30 * DAY_MS;
  const read = () =>
    client
      .get<CertificateSecret>(Resources.secrets, secretName, { namespace })
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
  const current = await read();
  if (await usable(current, renewBeforeMs)) return current as CertificateSecret;

  const { generateServingCertificate } = await import('../../kube/serving-certificate.js');
  const service = options.serviceName;
  const generated = await generateServingCertificate({
    names: [
      service,
      `${service}.${namespace}`,
      `${service}.${namespace}.svc`,
      `${service}.${namespace}.svc.cluster.local`,
    ],
    commonName: `${service}.${namespace}.svc`,
    caCommonName: `${service}-ca`,
    validityMs: options.validityMs ?? 365 * DAY_MS,
  });
  const data = {
    'tls.crt': encode(generated.certPem),
    'tls.key': encode(generated.keyPem),
    // The previous CA stays trusted until the next renewal: replicas move to the new certificate one by one.
    'ca.crt': encode(generated.caPem + (pemBlocks(decode(current?.data?.['ca.crt']))[0] ?? '')),
  };
  try {
    const written = current
      ? await client.update<CertificateSecret>(Resources.secrets, { ...current, data })
      : await client.create<CertificateSecret>(Resources.secrets, {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/tls',
          metadata: { name: secretName, namespace, labels: { 'app.kubernetes.io/component': 'webhook' } },
          data,
        } as CertificateSecret);
    options.logger.info(
      { secret: `${namespace}/${secretName}`, notAfter: generated.notAfter },
      'webhook certificate written',
    );
    return written;
  } catch (error) {
    // Another replica wrote it first: use theirs.
    if (isAlreadyExists(error) || isConflict(error)) return (await read()) as CertificateSecret;
    throw error;
  }
}

/** Writes tls.crt and tls.key into the cert dir (atomically, so the server never reads half a pair). */
export function writeCertDir(certDir: string, secret: CertificateSecret): boolean {
  const cert = decode(secret.data?.['tls.crt']);
  const key = decode(secret.data?.['tls.key']);
  let existing = '';
  try {
    existing = readFileSync(join(certDir, 'tls.crt'), 'utf8');
  } catch {
    // first write
  }
  if (existing === cert) return false;
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  for (const [name, content, mode] of [
    ['tls.key', key, 0o600],
    ['tls.crt', cert, 0o644],
  ] as const) {
    const temporary = join(certDir, `.${name}.tmp`);
    writeFileSync(temporary, content, { mode });
    renameSync(temporary, join(certDir, name));
  }
  return true;
}

/** Puts the CA bundle into every webhook of the configuration; false when the configuration does not exist. */
export async function injectCaBundle(client: KubeClient, configName: string, caPem: string): Promise<boolean> {
  const caBundle = encode(caPem);
  for (let attempt = 0; ; attempt++) {
    let config: WebhookConfiguration;
    try {
      config = await client.get<WebhookConfiguration>(webhookConfigurations, configName);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    const webhooks = config.webhooks ?? [];
    if (webhooks.every((w) => w.clientConfig?.caBundle === caBundle)) return true;
    try {
      await client.update(webhookConfigurations, {
        ...config,
        webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })),
      });
      return true;
    } catch (error) {
      if (!isConflict(error) || attempt >= 3) throw error;
    }
  }
}

/**
 * One round: certificate current, written to the cert dir, CA injected. Returns whether the CA is in the
 * configuration (false while it does not exist yet).
 */
export async function reconcileWebhookCertificate(options: SelfManagedCertificateOptions): Promise<boolean> {
  const secret = await ensureCertificateSecret(options);
  writeCertDir(options.certDir, secret);
  return injectCaBundle(options.client, options.configName, decode(secret.data?.['ca.crt']));
}

export interface CertificateRenewal {
  stop(): void;
}

/**
 * One round now (a failure is the caller's: the webhook cannot serve without a certificate), then again soon while
 * the configuration lacks the CA (a fresh install applies it after the operator starts) and every `checkMs` after:
 * renewal, another replica's renewal and a re-created configuration are all picked up this way.
 */
export async function keepWebhookCertificate(
  options: SelfManagedCertificateOptions,
  timing: { checkMs: number; retryMs: number } = { checkMs: 10 * 60_000, retryMs: 10_000 },
): Promise<CertificateRenewal> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let warned = false;
  const schedule = (injected: boolean) => {
    if (stopped) return;
    if (!injected && !warned) {
      warned = true;
      options.logger.warn(
        { configuration: options.configName },
        'ValidatingWebhookConfiguration not found yet: the API server calls the webhook once it exists',
      );
    }
    timer = setTimeout(
      () => {
        reconcileWebhookCertificate(options).then(schedule, (error: unknown) => {
          options.logger.warn({ err: (error as Error)?.message }, 'webhook certificate check failed (retrying)');
          schedule(false);
        });
      },
      injected ? timing.checkMs : timing.retryMs,
    );
    timer.unref();
  };
  schedule(await reconcileWebhookCertificate(options));
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
