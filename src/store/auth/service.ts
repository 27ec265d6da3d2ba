// Login and token checks. A login proves an identity through its auth method and yields a short-lived opaque
// token (stored hashed, revocable); every other call presents that token.
import { hkdfSync } from 'node:crypto';
import { seal, unseal } from '../crypto/seal.js';
import { invalid, StoreError, unauthorized } from '../errors.js';
import type { Identity } from '../policy/authorizer.js';
import type { AuthMethodRecord, AuthMethodType, StoreOps } from '../storage/types.js';
import { checkJwtConfig, type JwtAuthConfig, verifyJwtLogin } from './jwt.js';
import { checkKubernetesConfig, type KubernetesAuthConfig, reviewServiceAccountToken } from './kubernetes.js';
import { FailureLimiter } from './ratelimit.js';
import { hashAccessKey, hashToken, newAccessId, newAccessKey, newToken, sameHash } from './secrets.js';

export interface LoginRequest {
  type?: unknown;
  accessId?: unknown;
  accessKey?: unknown;
  jwt?: unknown;
}

export interface Session {
  identity: Identity;
  expiresAt: string;
  tokenHash: string;
}

export interface AuthServiceOptions {
  pepper: Buffer;
  tokenTtlSeconds?: number;
  limiter?: FailureLimiter;
  now?: () => Date;
}

const clientLimitScale = 20;
const reviewerAad = (accessId: string) => `custos/k8s-reviewer-token/v1|${accessId}`;

const loginTypes: Record<string, AuthMethodType> = { api_key: 'api_key', kubernetes: 'kubernetes', jwt: 'jwt' };

export class RateLimitedError extends StoreError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `too many failed logins; retry in ${retryAfterSeconds} s`);
  }
}

export class AuthService {
  readonly tokenTtlSeconds: number;
  private readonly limiter: FailureLimiter;
  private readonly now: () => Date;

  constructor(
    private readonly storage: StoreOps,
    private readonly options: AuthServiceOptions,
  ) {
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 900;
    this.limiter = options.limiter ?? new FailureLimiter();
    this.now = options.now ?? (() => new Date());
  }

  /** Verifies the credentials and returns a fresh token. `client` keys the brute-force limiter (address). */
  async login(
    request: LoginRequest,
    client: string,
  ): Promise<{ token: string; expiresAt: string; identity: Identity }> {
    const type = typeof request.type === 'string' ? loginTypes[request.type] : undefined;
    if (!type) throw invalid('login "type" must be one of api_key, kubernetes, jwt');
    if (typeof request.accessId !== 'string' || !request.accessId) throw invalid('login needs "accessId"');
    const accessId = request.accessId;
    // Per access id: the brute-force guard. Per address only as a flood guard, with a far higher limit: every
    // caller behind one gateway shares its address, and one broken client must not lock out the rest.
    const blocked = Math.max(
      this.limiter.blockedFor(`id:${accessId}`),
      this.limiter.blockedFor(`client:${client}`, clientLimitScale),
    );
    if (blocked > 0) throw new RateLimitedError(blocked);
    let claims: Record<string, string>;
    try {
      claims = await this.verify(type, accessId, request);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'unauthorized') {
        this.limiter.fail(`id:${accessId}`);
        this.limiter.fail(`client:${client}`);
      }
      throw error;
    }
    this.limiter.succeed(`id:${accessId}`);
    const token = newToken();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.tokenTtlSeconds * 1000).toISOString();
    await this.storage.putToken({
      tokenHash: hashToken(token),
      accessId,
      claims,
      expiresAt,
      revoked: false,
      createdAt: now.toISOString(),
    });
    return { token, expiresAt, identity: { accessId, claims } };
  }

  private async verify(type: AuthMethodType, accessId: string, request: LoginRequest): Promise<Record<string, string>> {
    const method = await this.storage.getAuthMethod(accessId);
    if (type === 'api_key') {
      const key = typeof request.accessKey === 'string' ? request.accessKey : '';
      const expected = method?.type === 'api_key' ? String(method.config.keyHash ?? '') : '';
      // Hash even for unknown ids so both failures take the same path.
      const actual = hashAccessKey(this.options.pepper, accessId, key);
      if (!method || method.type !== 'api_key' || !key || !sameHash(actual, expected)) {
        throw unauthorized('access id or access key is wrong');
      }
      return {};
    }
    if (!method || method.type !== type) throw unauthorized(`no ${type} auth method has access id ${accessId}`);
    const jwt = typeof request.jwt === 'string' ? request.jwt : '';
    if (type === 'kubernetes') return reviewServiceAccountToken(this.openKubernetesConfig(method), jwt);
    return verifyJwtLogin(method.config as JwtAuthConfig, jwt);
  }

  /** The session behind a bearer token; unauthorized when unknown, expired or revoked. */
  async authenticate(token: string | undefined): Promise<Session> {
    if (!token) throw unauthorized('missing "Authorization: Bearer <token>"; log in at POST /v1/auth/login');
    const tokenHash = hashToken(token);
    const record = await this.storage.getToken(tokenHash);
    if (!record || record.revoked) throw unauthorized('the token is not valid; log in again');
    if (record.expiresAt <= this.now().toISOString()) throw unauthorized('the token has expired; log in again');
    return { identity: { accessId: record.accessId, claims: record.claims }, expiresAt: record.expiresAt, tokenHash };
  }

  async revoke(token: string): Promise<boolean> {
    return this.storage.revokeToken(hashToken(token));
  }

  /** A new API key auth method; the key is returned once and only its hash is kept. */
  async createApiKey(
    name: string,
    storage: StoreOps = this.storage,
  ): Promise<{ accessId: string; accessKey: string; method: AuthMethodRecord }> {
    const accessId = newAccessId();
    const accessKey = newAccessKey();
    const method: AuthMethodRecord = {
      accessId,
      name,
      type: 'api_key',
      config: { keyHash: hashAccessKey(this.options.pepper, accessId, accessKey) },
      createdAt: this.now().toISOString(),
    };
    await storage.putAuthMethod(method);
    return { accessId, accessKey, method };
  }

  async createKubernetes(
    name: string,
    config: KubernetesAuthConfig,
    storage: StoreOps = this.storage,
  ): Promise<AuthMethodRecord> {
    checkKubernetesConfig(config);
    const accessId = newAccessId();
    const { reviewerToken, ...rest } = config;
    // The reviewer token is a cluster credential: kept sealed at rest, bound to its auth method.
    const stored: Record<string, unknown> = { ...rest };
    if (reviewerToken)
      stored.reviewerTokenSealed = seal(this.configKey(), Buffer.from(reviewerToken), reviewerAad(accessId));
    return this.put(storage, name, 'kubernetes', stored, accessId);
  }

  private configKey(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.options.pepper, Buffer.alloc(0), 'custos/auth-config-seal/v1', 32));
  }

  private openKubernetesConfig(method: AuthMethodRecord): KubernetesAuthConfig {
    const { reviewerTokenSealed, ...config } = method.config as KubernetesAuthConfig & { reviewerTokenSealed?: string };
    if (!reviewerTokenSealed) return config;
    const reviewerToken = unseal(this.configKey(), reviewerTokenSealed, reviewerAad(method.accessId)).toString();
    return { ...config, reviewerToken };
  }

  async createJwt(name: string, config: JwtAuthConfig, storage: StoreOps = this.storage): Promise<AuthMethodRecord> {
    checkJwtConfig(config);
    return this.put(storage, name, 'jwt', { ...config });
  }

  private async put(
    storage: StoreOps,
    name: string,
    type: AuthMethodType,
    config: Record<string, unknown>,
    accessId = newAccessId(),
  ): Promise<AuthMethodRecord> {
    const method: AuthMethodRecord = {
      accessId,
      name,
      type,
      config,
      createdAt: this.now().toISOString(),
    };
    await storage.putAuthMethod(method);
    return method;
  }
}
