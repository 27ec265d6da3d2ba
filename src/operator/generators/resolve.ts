// Resolves a `generatorRef` (ExternalSecret dataFrom[].sourceRef, PushSecret selector) to the generated data,
// like ESO: the namespaced kinds Password, UUID, Fake, SSHKey, MFA and Webhook are read from the referencing object's
// namespace; a ClusterGenerator is cluster-scoped and carries the real kind in spec.kind with its settings under
// spec.generator.<kind>Spec. Output keys follow ESO: Password -> secretKeys (default `password`), UUID -> `uuid`,
// Fake -> the keys of spec.data, SSHKey -> `privateKey` and `publicKey`, MFA -> `token` and `timeLeft`, Webhook ->
// the keys of the JSON object it answers, GithubAccessToken -> `token`, VaultDynamicSecret -> the keys of Vault's answer, ECRAuthorizationToken -> `username`,
// `password`, `proxy_endpoint`, `expires_at`, STSSessionToken -> `access_key_id`, `secret_access_key`, `session_token`, `expiration`,
// GCRAccessToken -> `username`, `password`, `expiry`, QuayAccessToken -> `registry`, `auth`, `expiry`,
// ACRAccessToken -> `username`, `password`, CloudsmithAccessToken -> `auth`, `expiry`. MFA's seed and Webhook's Secrets are read from the referencing object's
// namespace, also through a ClusterGenerator (as ESO does).
import type {
  ACRAccessTokenSpec,
  CloudsmithAccessTokenSpec,
  ClusterGeneratorSpec,
  ECRAuthorizationTokenSpec,
  FakeGeneratorSpec,
  GCRAccessTokenSpec,
  GeneratorRef,
  GeneratorSpec,
  GithubAccessTokenSpec,
  MFASpec,
  PasswordSpec,
  QuayAccessTokenSpec,
  SSHKeySpec,
  STSSessionTokenSpec,
  VaultDynamicSecretSpec,
  WebhookSpec,
} from '../../api/generated/types.js';
import { clusterGeneratorKey, GENERATOR_KINDS, type GeneratorKind } from '../../api/schema/generator-kinds.js';
import { isNotFound, type KubeClient, type KubeObject, type ResourceType } from '../../kube/index.js';
import { generateACRAccessToken } from './acr.js';
import { generateCloudsmithAccessToken } from './cloudsmith.js';
import { generateECRAuthorizationToken } from './ecr.js';
import { GeneratorError } from './errors.js';
import { generateFake } from './fake.js';
import { generateGCRAccessToken } from './gcr.js';
import { generateGithubAccessToken } from './github.js';
import { readSecretKey } from './inputs.js';
import { generateMFA } from './mfa.js';
import { generatePassword } from './password.js';
import { generateQuayAccessToken } from './quay.js';
import { cryptoRandom, type RandomSource } from './random.js';
import { generateSSHKey } from './sshkey.js';
import { generateSTSSessionToken } from './sts.js';
import { generateUUID } from './uuid.js';
import { generateVaultDynamicSecret } from './vault.js';
import { generateWebhook } from './webhook.js';

export const GENERATORS_API_VERSION = 'generators.external-secrets.io/v1alpha1';

/** The generator kinds Custos implements (namespaced, and inside a ClusterGenerator). */
export const SUPPORTED_GENERATOR_KINDS = [
  'Password',
  'UUID',
  'Fake',
  'SSHKey',
  'MFA',
  'Webhook',
  'GithubAccessToken',
  'VaultDynamicSecret',
  'ECRAuthorizationToken',
  'STSSessionToken',
  'GCRAccessToken',
  'QuayAccessToken',
  'ACRAccessToken',
  'CloudsmithAccessToken',
] as const;
export type SupportedGeneratorKind = (typeof SUPPORTED_GENERATOR_KINDS)[number];
/** The kinds that need nothing but their spec (the others read Secrets or call out). */
export type SelfContainedGeneratorKind = Extract<SupportedGeneratorKind, 'Password' | 'UUID' | 'Fake' | 'SSHKey'>;

function generatorType(plural: string, kind: string, namespaced: boolean): ResourceType {
  return { group: 'generators.external-secrets.io', version: 'v1alpha1', plural, namespaced, kind };
}

export const GeneratorResources = {
  Password: generatorType('passwords', 'Password', true),
  UUID: generatorType('uuids', 'UUID', true),
  Fake: generatorType('fakes', 'Fake', true),
  SSHKey: generatorType('sshkeys', 'SSHKey', true),
  MFA: generatorType('mfas', 'MFA', true),
  Webhook: generatorType('webhooks', 'Webhook', true),
  GithubAccessToken: generatorType('githubaccesstokens', 'GithubAccessToken', true),
  VaultDynamicSecret: generatorType('vaultdynamicsecrets', 'VaultDynamicSecret', true),
  ECRAuthorizationToken: generatorType('ecrauthorizationtokens', 'ECRAuthorizationToken', true),
  STSSessionToken: generatorType('stssessiontokens', 'STSSessionToken', true),
  GCRAccessToken: generatorType('gcraccesstokens', 'GCRAccessToken', true),
  QuayAccessToken: generatorType('quayaccesstokens', 'QuayAccessToken', true),
  ACRAccessToken: generatorType('acraccesstokens', 'ACRAccessToken', true),
  CloudsmithAccessToken: generatorType('cloudsmithaccesstokens', 'CloudsmithAccessToken', true),
  ClusterGenerator: generatorType('clustergenerators', 'ClusterGenerator', false),
} as const satisfies Record<SupportedGeneratorKind | 'ClusterGenerator', ResourceType>;

export interface ResolveOptions {
  random?: RandomSource;
  signal?: AbortSignal;
  /**
   * The operator's controller class. A generator whose spec.controller names another class is not run: a
   * GeneratorError with code Foreign tells the caller to skip the referencing object, as ESO does.
   */
  controllerClass?: string;
}

function checkControllerClass(where: string, spec: unknown, options: ResolveOptions): void {
  if (options.controllerClass === undefined) return;
  const controller = (spec as { controller?: unknown } | undefined)?.controller;
  if (typeof controller === 'string' && controller !== '' && controller !== options.controllerClass) {
    throw new GeneratorError('Foreign', `${where} belongs to controller class "${controller}"`);
  }
}

const supportedList = `${SUPPORTED_GENERATOR_KINDS.join(', ')} (directly or through a ClusterGenerator)`;

function isSupported(kind: string): kind is SupportedGeneratorKind {
  return (SUPPORTED_GENERATOR_KINDS as readonly string[]).includes(kind);
}

/** Runs one self-contained generator on its spec. Pure apart from the randomness. */
export function runGenerator(
  kind: SelfContainedGeneratorKind,
  spec: unknown,
  random: RandomSource = cryptoRandom,
): Record<string, Uint8Array> {
  switch (kind) {
    case 'Password':
      return generatePassword(spec as Partial<PasswordSpec> | undefined, random);
    case 'UUID':
      return generateUUID(random);
    case 'Fake':
      return generateFake(spec as FakeGeneratorSpec | undefined);
    case 'SSHKey':
      return generateSSHKey(spec as Partial<SSHKeySpec> | undefined, random);
  }
}

/** Runs any supported generator; MFA and Webhook read Secrets in `namespace`, Webhook calls its endpoint. */
async function runGeneratorWithInputs(
  client: KubeClient,
  namespace: string,
  kind: SupportedGeneratorKind,
  spec: unknown,
  options: ResolveOptions,
): Promise<Record<string, Uint8Array>> {
  if (kind === 'Webhook') {
    return generateWebhook(client, namespace, spec as Partial<WebhookSpec> | undefined, options.signal);
  }
  if (kind === 'VaultDynamicSecret') {
    return generateVaultDynamicSecret(client, namespace, spec as Partial<VaultDynamicSecretSpec> | undefined);
  }
  if (kind === 'ECRAuthorizationToken') {
    const ecr = spec as Partial<ECRAuthorizationTokenSpec> | undefined;
    return generateECRAuthorizationToken(client, namespace, ecr, options.signal);
  }
  if (kind === 'STSSessionToken') {
    return generateSTSSessionToken(client, namespace, spec as Partial<STSSessionTokenSpec> | undefined, options.signal);
  }
  if (kind === 'GCRAccessToken') {
    return generateGCRAccessToken(client, namespace, spec as Partial<GCRAccessTokenSpec> | undefined, options.signal);
  }
  if (kind === 'CloudsmithAccessToken') {
    const cloudsmith = spec as Partial<CloudsmithAccessTokenSpec> | undefined;
    return generateCloudsmithAccessToken(client, namespace, cloudsmith, options.signal);
  }
  if (kind === 'ACRAccessToken') {
    return generateACRAccessToken(client, namespace, spec as Partial<ACRAccessTokenSpec> | undefined, options.signal);
  }
  if (kind === 'QuayAccessToken') {
    return generateQuayAccessToken(client, namespace, spec as Partial<QuayAccessTokenSpec> | undefined, options.signal);
  }
  if (kind === 'GithubAccessToken') {
    const github = spec as Partial<GithubAccessTokenSpec> | undefined;
    return generateGithubAccessToken(client, namespace, github, options.signal);
  }
  if (kind !== 'MFA') return runGenerator(kind, spec, options.random ?? cryptoRandom);
  const mfa = spec as Partial<MFASpec> | undefined;
  const name = mfa?.secret?.name;
  const key = mfa?.secret?.key;
  if (!name || !key) throw new GeneratorError('Invalid', 'MFA generator: spec.secret needs both name and key');
  const who = { generator: 'MFA', secret: 'seed Secret', field: 'spec.secret.key' };
  return generateMFA(mfa, await readSecretKey(client, { name, key }, namespace, who, options.signal));
}

/**
 * Fetches the generator `ref` names (from `namespace` for namespaced kinds) and returns what it generates.
 * Throws GeneratorError: NotFound if the object is missing, Unsupported for kinds or apiVersions Custos does not
 * implement, Invalid for a bad spec. Other API failures (network, RBAC) are passed through as KubeApiError.
 */
export async function resolveGenerator(
  client: KubeClient,
  namespace: string,
  ref: GeneratorRef,
  options: ResolveOptions = {},
): Promise<Record<string, Uint8Array>> {
  const { kind, name } = ref;
  const apiVersion = ref.apiVersion || GENERATORS_API_VERSION;
  if (apiVersion !== GENERATORS_API_VERSION) {
    throw new GeneratorError(
      'Unsupported',
      `generatorRef ${kind} "${name}": apiVersion "${apiVersion}" is not supported; use "${GENERATORS_API_VERSION}"`,
    );
  }
  if (!name) throw new GeneratorError('Invalid', `generatorRef ${kind}: name is required`);
  if (kind === 'ClusterGenerator') {
    const object = await fetchGenerator(client, GeneratorResources.ClusterGenerator, name, undefined, options.signal);
    const { kind: innerKind, spec } = unwrapClusterGenerator(name, object.spec as ClusterGeneratorSpec | undefined);
    checkControllerClass(`ClusterGenerator "${name}"`, spec, options);
    return runGeneratorWithInputs(client, namespace, innerKind, spec, options);
  }
  if (!isSupported(kind)) throw unsupportedKind(`generatorRef ${kind} "${name}"`, kind);
  const object = await fetchGenerator(client, GeneratorResources[kind], name, namespace, options.signal);
  checkControllerClass(`${kind} "${name}"`, object.spec, options);
  return runGeneratorWithInputs(client, namespace, kind, object.spec, options);
}

/** The effective kind and spec inside a ClusterGenerator; throws GeneratorError naming what to fix. */
export function unwrapClusterGenerator(
  name: string,
  spec: ClusterGeneratorSpec | undefined,
): { kind: SupportedGeneratorKind; spec: unknown } {
  const where = `ClusterGenerator "${name}"`;
  const kind = spec?.kind;
  if (!kind) throw new GeneratorError('Invalid', `${where}: spec.kind is required`);
  if (!(GENERATOR_KINDS as readonly string[]).includes(kind)) {
    throw new GeneratorError('Invalid', `${where}: spec.kind "${kind}" is not a generator kind`);
  }
  if (!isSupported(kind)) throw unsupportedKind(where, kind);
  const key = clusterGeneratorKey(kind as GeneratorKind) as keyof GeneratorSpec;
  const generator = (spec.generator ?? {}) as Record<string, unknown>;
  const present = Object.keys(generator).filter((k) => generator[k] !== undefined && generator[k] !== null);
  if (!present.includes(key)) {
    const found = present.length > 0 ? ` (found ${present.map((k) => `spec.generator.${k}`).join(', ')})` : '';
    throw new GeneratorError('Invalid', `${where}: spec.kind is ${kind} but spec.generator.${key} is missing${found}`);
  }
  if (present.length > 1) {
    throw new GeneratorError(
      'Invalid',
      `${where}: spec.generator must hold exactly one generator, found ${present.map((k) => `spec.generator.${k}`).join(', ')}`,
    );
  }
  return { kind, spec: generator[key] };
}

function unsupportedKind(where: string, kind: string): GeneratorError {
  return new GeneratorError(
    'Unsupported',
    `${where}: generator kind ${kind} is not supported by Custos; supported: ${supportedList}`,
  );
}

async function fetchGenerator(
  client: KubeClient,
  type: ResourceType,
  name: string,
  namespace: string | undefined,
  signal: AbortSignal | undefined,
): Promise<KubeObject> {
  try {
    return await client.get(type, name, { namespace, signal });
  } catch (error) {
    if (isNotFound(error)) {
      const where = namespace ? ` in namespace "${namespace}"` : '';
      throw new GeneratorError('NotFound', `${type.kind} "${name}" not found${where}`, { cause: error });
    }
    throw error;
  }
}
