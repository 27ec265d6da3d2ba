// Generators (generators.external-secrets.io/v1alpha1): Password, UUID, Fake, SSHKey, MFA, Webhook,
// GithubAccessToken, VaultDynamicSecret, ECRAuthorizationToken, STSSessionToken, GCRAccessToken, QuayAccessToken, ACRAccessToken, CloudsmithAccessToken and ClusterGenerator, plus the resolver that turns a generatorRef into generated data.
export { ACR_USERNAME, generateACRAccessToken } from './acr.js';
export { awsCredentials, ROLE_ARN_ANNOTATION } from './aws-session.js';
export { DEFAULT_CLOUDSMITH_API, generateCloudsmithAccessToken } from './cloudsmith.js';
export { ECR_PUBLIC_REGION, generateECRAuthorizationToken } from './ecr.js';
export { base32, encodeBytes, PASSWORD_ENCODINGS, type PasswordEncoding } from './encoding.js';
export { GeneratorError, type GeneratorErrorCode, isForeignGenerator } from './errors.js';
export { generateFake } from './fake.js';
export { GCR_USERNAME, generateGCRAccessToken } from './gcr.js';
export { DEFAULT_GITHUB_API, generateGithubAccessToken, githubAppJwt } from './github.js';
export { jwtBearerAssertion } from './google-auth.js';
export { decodeBase32Seed, generateMFA, MFA_ALGORITHMS, type MfaAlgorithm, mfaSettings, totp } from './mfa.js';
export {
  DEFAULT_PASSWORD_LENGTH,
  DEFAULT_SYMBOL_CHARACTERS,
  generatePassword,
  generatePasswordString,
  MAX_PASSWORD_LENGTH,
  type PasswordSettings,
  passwordSettings,
} from './password.js';
export { DEFAULT_QUAY_URL, generateQuayAccessToken } from './quay.js';
export { cryptoRandom, type RandomSource } from './random.js';
export {
  GENERATORS_API_VERSION,
  GeneratorResources,
  type ResolveOptions,
  resolveGenerator,
  runGenerator,
  type SelfContainedGeneratorKind,
  SUPPORTED_GENERATOR_KINDS,
  type SupportedGeneratorKind,
  unwrapClusterGenerator,
} from './resolve.js';
export { generateSSHKey, SSH_KEY_TYPES, type SshKeyType } from './sshkey.js';
export { generateSTSSessionToken } from './sts.js';
export { generateUUID, uuidV4 } from './uuid.js';
export { generateVaultDynamicSecret } from './vault.js';
export { generateWebhook, webhookResultMap } from './webhook.js';
