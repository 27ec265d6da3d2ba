// The custom resource kinds Custos serves: names, scope, versions and printer columns as ESO v2.9 declares
// them (reference/eso.md 1.1), with the spec/status schemas from src/api/schema/.
import { clusterExternalSecretSpec, clusterExternalSecretStatus } from './schema/clusterexternalsecret.js';
import type { Schema } from './schema/dsl.js';
import { externalSecretSpec, externalSecretStatus } from './schema/externalsecret.js';
import {
  acrAccessTokenSpec,
  cloudsmithAccessTokenSpec,
  clusterGeneratorSpec,
  ecrAuthorizationTokenSpec,
  fakeSpec,
  gcrAccessTokenSpec,
  githubAccessTokenSpec,
  mfaSpec,
  passwordSpec,
  quayAccessTokenSpec,
  sshKeySpec,
  stsSessionTokenSpec,
  uuidSpec,
  vaultDynamicSecretSpec,
  webhookSpec,
} from './schema/generators.js';
import {
  clusterPushSecretSpec,
  clusterPushSecretStatus,
  pushSecretSpec,
  pushSecretStatus,
} from './schema/pushsecret.js';
import { secretStoreSpec, secretStoreStatus } from './schema/secretstore.js';

export const ESO_GROUP = 'external-secrets.io';
export const GENERATORS_GROUP = 'generators.external-secrets.io';
export const COMPONENT_LABEL = { 'external-secrets.io/component': 'controller' } as const;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames?: string[];
  categories: string[];
  /** The stored version (served too). */
  storageVersion: string;
  /** Further versions served with the identical schema (no conversion needed). */
  alsoServed?: string[];
  spec: Schema;
  status?: Schema;
  description: string;
  printerColumns?: PrinterColumn[];
  selectableFields?: string[];
}

const readyReason = '.status.conditions[?(@.type=="Ready")].reason';
const readyStatus = '.status.conditions[?(@.type=="Ready")].status';
const esCategories = ['external-secrets'];
const generatorCategories = ['external-secrets', 'external-secrets-generators'];

const storeColumns: PrinterColumn[] = [
  { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Status', type: 'string', jsonPath: readyReason },
  { name: 'Capabilities', type: 'string', jsonPath: '.status.capabilities' },
  { name: 'Ready', type: 'string', jsonPath: readyStatus },
];

const pushColumns: PrinterColumn[] = [
  { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Status', type: 'string', jsonPath: readyReason },
];

export const KINDS: readonly KindDefinition[] = [
  {
    group: ESO_GROUP,
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    singular: 'externalsecret',
    scope: 'Namespaced',
    shortNames: ['es'],
    categories: esCategories,
    storageVersion: 'v1',
    alsoServed: ['v1beta1'],
    spec: externalSecretSpec,
    status: externalSecretStatus,
    description: 'ExternalSecret syncs values from a secret store into a Kubernetes Secret.',
    printerColumns: [
      { name: 'StoreType', type: 'string', jsonPath: '.spec.secretStoreRef.kind' },
      { name: 'Store', type: 'string', jsonPath: '.spec.secretStoreRef.name' },
      { name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshInterval' },
      { name: 'Status', type: 'string', jsonPath: readyReason },
      { name: 'Ready', type: 'string', jsonPath: readyStatus },
      { name: 'Last Sync', type: 'date', jsonPath: '.status.refreshTime' },
    ],
    selectableFields: [
      '.spec.secretStoreRef.name',
      '.spec.secretStoreRef.kind',
      '.spec.target.name',
      '.spec.refreshInterval',
    ],
  },
  {
    group: ESO_GROUP,
    kind: 'SecretStore',
    plural: 'secretstores',
    singular: 'secretstore',
    scope: 'Namespaced',
    shortNames: ['ss'],
    categories: esCategories,
    storageVersion: 'v1',
    alsoServed: ['v1beta1'],
    spec: secretStoreSpec,
    status: secretStoreStatus,
    description: 'SecretStore says how to reach and authenticate to a provider, for one namespace.',
    printerColumns: storeColumns,
  },
  {
    group: ESO_GROUP,
    kind: 'ClusterSecretStore',
    plural: 'clustersecretstores',
    singular: 'clustersecretstore',
    scope: 'Cluster',
    shortNames: ['css'],
    categories: esCategories,
    storageVersion: 'v1',
    alsoServed: ['v1beta1'],
    spec: secretStoreSpec,
    status: secretStoreStatus,
    description: 'ClusterSecretStore is a SecretStore usable from every namespace its conditions allow.',
    printerColumns: storeColumns,
  },
  {
    group: ESO_GROUP,
    kind: 'ClusterExternalSecret',
    plural: 'clusterexternalsecrets',
    singular: 'clusterexternalsecret',
    scope: 'Cluster',
    shortNames: ['ces'],
    categories: esCategories,
    storageVersion: 'v1',
    alsoServed: ['v1beta1'],
    spec: clusterExternalSecretSpec,
    status: clusterExternalSecretStatus,
    description: 'ClusterExternalSecret creates the same ExternalSecret in every selected namespace.',
    printerColumns: [
      { name: 'Store', type: 'string', jsonPath: '.spec.externalSecretSpec.secretStoreRef.name' },
      { name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshTime' },
      { name: 'Ready', type: 'string', jsonPath: readyStatus },
    ],
  },
  {
    group: ESO_GROUP,
    kind: 'PushSecret',
    plural: 'pushsecrets',
    singular: 'pushsecret',
    scope: 'Namespaced',
    shortNames: ['ps'],
    categories: esCategories,
    storageVersion: 'v1alpha1',
    spec: pushSecretSpec,
    status: pushSecretStatus,
    description: 'PushSecret writes a Kubernetes Secret to one or more secret stores.',
    printerColumns: pushColumns,
  },
  {
    group: ESO_GROUP,
    kind: 'ClusterPushSecret',
    plural: 'clusterpushsecrets',
    singular: 'clusterpushsecret',
    scope: 'Cluster',
    categories: esCategories,
    storageVersion: 'v1alpha1',
    spec: clusterPushSecretSpec,
    status: clusterPushSecretStatus,
    description: 'ClusterPushSecret creates the same PushSecret in every selected namespace.',
    printerColumns: pushColumns,
  },
  {
    group: GENERATORS_GROUP,
    kind: 'Password',
    plural: 'passwords',
    singular: 'password',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: passwordSpec,
    description: 'Password generates random passwords.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'Fake',
    plural: 'fakes',
    singular: 'fake',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: fakeSpec,
    description: 'Fake returns fixed data, for tests.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'UUID',
    plural: 'uuids',
    singular: 'uuid',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: uuidSpec,
    description: 'UUID generates a random version 4 UUID.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'SSHKey',
    plural: 'sshkeys',
    singular: 'sshkey',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: sshKeySpec,
    description: 'SSHKey generates an SSH key pair.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'MFA',
    plural: 'mfas',
    singular: 'mfa',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: mfaSpec,
    description: 'MFA generates a time-based one-time password (RFC 6238) from a seed in a Secret.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'Webhook',
    plural: 'webhooks',
    singular: 'webhook',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: webhookSpec,
    description: 'Webhook calls an HTTP endpoint and returns the keys of the JSON object it answers.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'GithubAccessToken',
    plural: 'githubaccesstokens',
    singular: 'githubaccesstoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: githubAccessTokenSpec,
    description: 'GithubAccessToken issues a GitHub App installation token.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'VaultDynamicSecret',
    plural: 'vaultdynamicsecrets',
    singular: 'vaultdynamicsecret',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: vaultDynamicSecretSpec,
    description: 'VaultDynamicSecret reads or writes a Vault path (e.g. database/creds/app) and returns the answer.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'ECRAuthorizationToken',
    plural: 'ecrauthorizationtokens',
    singular: 'ecrauthorizationtoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: ecrAuthorizationTokenSpec,
    description:
      'ECRAuthorizationToken gets a docker login for Amazon ECR (private or public) with GetAuthorizationToken.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'STSSessionToken',
    plural: 'stssessiontokens',
    singular: 'stssessiontoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: stsSessionTokenSpec,
    description: 'STSSessionToken gets temporary AWS credentials with sts:GetSessionToken.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'GCRAccessToken',
    plural: 'gcraccesstokens',
    singular: 'gcraccesstoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: gcrAccessTokenSpec,
    description: 'GCRAccessToken gets an OAuth access token for Google Container Registry and Artifact Registry.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'QuayAccessToken',
    plural: 'quayaccesstokens',
    singular: 'quayaccesstoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: quayAccessTokenSpec,
    description: 'QuayAccessToken gets a Quay robot token by OIDC federation with a service account token.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'ACRAccessToken',
    plural: 'acraccesstokens',
    singular: 'acraccesstoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: acrAccessTokenSpec,
    description: 'ACRAccessToken gets a token for Azure Container Registry with Azure AD credentials.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'CloudsmithAccessToken',
    plural: 'cloudsmithaccesstokens',
    singular: 'cloudsmithaccesstoken',
    scope: 'Namespaced',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: cloudsmithAccessTokenSpec,
    description: 'CloudsmithAccessToken gets a Cloudsmith token by OIDC with a service account token.',
  },
  {
    group: GENERATORS_GROUP,
    kind: 'ClusterGenerator',
    plural: 'clustergenerators',
    singular: 'clustergenerator',
    scope: 'Cluster',
    categories: generatorCategories,
    storageVersion: 'v1alpha1',
    spec: clusterGeneratorSpec,
    description: 'ClusterGenerator is a generator usable from every namespace.',
  },
];

export function servedVersions(kind: KindDefinition): string[] {
  return [kind.storageVersion, ...(kind.alsoServed ?? [])];
}

export function findKind(apiVersion: string, kind: string): KindDefinition | undefined {
  const [group, version] = apiVersion.split('/');
  return KINDS.find((k) => k.group === group && k.kind === kind && version && servedVersions(k).includes(version));
}
