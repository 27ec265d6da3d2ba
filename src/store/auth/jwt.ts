// JWT/OIDC auth: a token signed by a configured issuer (keys from a JWKS URL or given statically), with issuer,
// audience and bound claims checked. Selected claims become identity claims for role templating.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { invalid, unauthorized } from '../errors.js';

export interface JwtAuthConfig {
  jwksUrl?: string;
  /** a static key set, for issuers without a reachable JWKS endpoint */
  jwks?: JSONWebKeySet;
  issuer?: string;
  audience?: string | string[];
  /** each claim must equal one of the values (string claims, or string arrays containing one of them) */
  boundClaims?: Record<string, string[]>;
  /** identity claim name -> token claim name; "sub" is always mapped */
  claimMappings?: Record<string, string>;
  algorithms?: string[];
}

export function checkJwtConfig(config: JwtAuthConfig): void {
  if (!config.jwksUrl && !config.jwks) throw invalid('jwt auth needs jwksUrl or jwks (a static key set)');
  if (config.jwksUrl && !/^https?:\/\//.test(config.jwksUrl)) throw invalid('jwksUrl must be an http(s) URL');
  if (config.jwks && !Array.isArray(config.jwks.keys)) throw invalid('jwks must be a key set: {"keys":[...]}');
}

const remoteSets = new Map<string, JWTVerifyGetKey>();

function keySet(config: JwtAuthConfig): JWTVerifyGetKey {
  if (config.jwks) return createLocalJWKSet(config.jwks);
  const url = config.jwksUrl!;
  let set = remoteSets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    remoteSets.set(url, set);
  }
  return set;
}

function claimMatches(value: unknown, allowed: string[]): boolean {
  if (typeof value === 'string') return allowed.includes(value);
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && allowed.includes(v));
  return false;
}

export async function verifyJwtLogin(config: JwtAuthConfig, jwt: string): Promise<Record<string, string>> {
  if (!jwt) throw unauthorized('jwt login needs the token in "jwt"');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, keySet(config), {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
    }));
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERR_JWT_INVALID';
    throw unauthorized(`the JWT was not accepted (${code})`);
  }
  for (const [name, allowed] of Object.entries(config.boundClaims ?? {})) {
    if (!claimMatches(payload[name], allowed))
      throw unauthorized(`the JWT claim "${name}" is not allowed by this auth method`);
  }
  const claims: Record<string, string> = {};
  if (typeof payload.sub === 'string') claims.sub = payload.sub;
  for (const [identityClaim, tokenClaim] of Object.entries(config.claimMappings ?? {})) {
    const value = payload[tokenClaim];
    if (typeof value === 'string') claims[identityClaim] = value;
  }
  return claims;
}
