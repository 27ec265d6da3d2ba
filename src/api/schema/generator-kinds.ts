// Generator kinds known to ESO v2.9 (generators.external-secrets.io/v1alpha1) and the key each one uses inside
// ClusterGenerator.spec.generator. The kinds with a schema in generators.ts (GENERATOR_SPECS) are modelled; the
// others are kept as written.

export const GENERATOR_KINDS = [
  'ACRAccessToken',
  'BeyondtrustWorkloadCredentialsDynamicSecret',
  'CloudsmithAccessToken',
  'ECRAuthorizationToken',
  'Fake',
  'GCRAccessToken',
  'GithubAccessToken',
  'GitlabDeployToken',
  'Grafana',
  'MFA',
  'Password',
  'QuayAccessToken',
  'SSHKey',
  'STSSessionToken',
  'UUID',
  'VaultDynamicSecret',
  'Webhook',
] as const;

export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** The kinds a generatorRef may name, in ESO's enum order. */
export const GENERATOR_REF_KINDS = [
  'ACRAccessToken',
  'BeyondtrustWorkloadCredentialsDynamicSecret',
  'ClusterGenerator',
  'CloudsmithAccessToken',
  'ECRAuthorizationToken',
  'Fake',
  'GCRAccessToken',
  'GithubAccessToken',
  'GitlabDeployToken',
  'QuayAccessToken',
  'Password',
  'SSHKey',
  'STSSessionToken',
  'UUID',
  'VaultDynamicSecret',
  'Webhook',
  'Grafana',
  'MFA',
] as const;

/** ClusterGenerator.spec.generator key for a kind: leading acronym lower-cased, then "Spec" (uuidSpec, sshKeySpec). */
export function clusterGeneratorKey(kind: GeneratorKind): string {
  const lead = /^[A-Z]+(?=[A-Z][a-z]|$)/.exec(kind)?.[0];
  const camel =
    lead && lead.length > 1 ? lead.toLowerCase() + kind.slice(lead.length) : kind[0]?.toLowerCase() + kind.slice(1);
  return `${camel}Spec`;
}
