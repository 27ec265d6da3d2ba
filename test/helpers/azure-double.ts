// A stand-in for the parts of Azure the ACRAccessToken generator calls (a closed service): Azure AD's v2.0 token
// endpoint (client credentials with a client secret, or with a federated client assertion that the caller's
// `verifyAssertion` checks; the tests use the API server's TokenReview), the metadata MSAL reads before it
// (openid-configuration, instance discovery), the instance metadata service's managed identity token, and a
// registry's /oauth2/exchange and /oauth2/token. HTTPS under a certificate from the test run's CA for 127.0.0.1,
// login.microsoftonline.com and the registry names; a plain HTTP port serves the instance metadata service and is
// an HTTPS proxy (CONNECT) for clients that cannot be given another login host (ESO). Tokens are deterministic per
// principal, so two clients signing in as one principal get the same registry token.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDouble, readBody } from './double-server.js';
import { trustedServerCert } from './test-ca.js';

export interface AzureCall {
  what: 'aad' | 'imds' | 'exchange' | 'acr-token' | 'discovery' | 'other';
  principal: string;
  status: number;
}

export interface AzureDouble {
  /** https://127.0.0.1:<port>/, for AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** 127.0.0.1:<port> of the HTTPS server: what a generator's spec.registry holds. */
  registryHost: string;
  /** http://127.0.0.1:<port>, for AZURE_POD_IDENTITY_AUTHORITY_HOST and as HTTPS_PROXY. */
  httpUrl: string;
  calls: AzureCall[];
  /** The registry refresh token of `principal` (client ID) for `registry`, and the access token for a scope. */
  refreshToken(principal: string, registry: string): string;
  accessToken(principal: string, registry: string, scope: string): string;
  stop(): Promise<void>;
}

export interface AzureDoubleOptions {
  tenant: string;
  servicePrincipals: Array<{ clientId: string; clientSecret: string }>;
  /** client ID -> the service account subjects whose tokens it accepts as assertions. */
  federated: Record<string, string[]>;
  /** The node's managed identities: client IDs (the first is the default) and resource IDs. */
  managedIdentities: Array<{ clientId: string; resourceId: string }>;
  verifyAssertion(token: string): Promise<string | undefined>;
  /** Extra host names the certificate carries (registries reached through the proxy). */
  hosts?: string[];
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('|')).digest('base64url');

const readForm = async (req: IncomingMessage) => new URLSearchParams((await readBody(req)).toString('utf8'));

export async function startAzureDouble(options: AzureDoubleOptions): Promise<AzureDouble> {
  const calls: AzureCall[] = [];
  /** AAD access tokens the double issued -> the principal. */
  const issued = new Map<string, string>();
  const aadToken = (principal: string, audience: string) => {
    const token = `aad.${hash(principal, audience)}`;
    issued.set(token, principal);
    return token;
  };
  const refreshToken = (principal: string, registry: string) => `acr-refresh.${hash(principal, registry)}`;
  const accessToken = (principal: string, registry: string, scope: string) =>
    `acr-access.${hash(principal, registry, scope)}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://x');
    const host = String(req.headers.host ?? '');
    const call: AzureCall = { what: 'other', principal: '', status: 200 };
    calls.push(call);
    const json = (status: number, body: unknown) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const aadError = (status: number, error: string, description: string) =>
      json(status, {
        error,
        error_description: description,
        error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
      });

    if (url.pathname === '/metadata/identity/oauth2/token') {
      call.what = 'imds';
      if (req.headers.metadata !== 'true')
        return json(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
      const wanted = url.searchParams.get('client_id') ?? url.searchParams.get('msi_res_id');
      const identity = wanted
        ? options.managedIdentities.find((m) => m.clientId === wanted || m.resourceId === wanted)
        : options.managedIdentities[0];
      if (!identity) return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
      call.principal = identity.clientId;
      const resource = url.searchParams.get('resource') ?? '';
      return json(200, {
        access_token: aadToken(identity.clientId, resource),
        expires_in: '86399',
        expires_on: String(Math.floor(Date.now() / 1000) + 86_399),
        resource,
        token_type: 'Bearer',
      });
    }
    if (url.pathname === '/common/discovery/instance') {
      call.what = 'discovery';
      return json(200, {
        tenant_discovery_endpoint: `https://${host}/${options.tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (openid) {
      call.what = 'discovery';
      const tenant = openid[1];
      return json(200, {
        token_endpoint: `https://${host}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `https://${host}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `https://${host}/${tenant}/v2.0`,
      });
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token && req.method === 'POST') {
      call.what = 'aad';
      const form = await readForm(req);
      if (token[1] !== options.tenant)
        return aadError(400, 'invalid_request', `AADSTS90002: Tenant '${token[1]}' not found.`);
      const clientId = form.get('client_id') ?? '';
      const scope = form.get('scope') ?? '';
      if (form.get('grant_type') !== 'client_credentials')
        return aadError(400, 'unsupported_grant_type', 'AADSTS70003: grant type not supported');
      if (form.has('client_assertion')) {
        const subject = await options.verifyAssertion(form.get('client_assertion') ?? '');
        if (!subject || !(options.federated[clientId] ?? []).includes(subject)) {
          return aadError(
            400,
            'invalid_client',
            'AADSTS70021: No matching federated identity record found for presented assertion.',
          );
        }
      } else {
        const principal = options.servicePrincipals.find((p) => p.clientId === clientId);
        if (!principal)
          return aadError(
            400,
            'unauthorized_client',
            `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
          );
        if (principal.clientSecret !== form.get('client_secret')) {
          return aadError(
            401,
            'invalid_client',
            'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          );
        }
      }
      call.principal = clientId;
      return json(200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: aadToken(clientId, scope),
      });
    }
    if (url.pathname === '/oauth2/exchange' && req.method === 'POST') {
      call.what = 'exchange';
      const form = await readForm(req);
      const principal = issued.get(form.get('access_token') ?? '');
      if (form.get('grant_type') !== 'access_token' || !principal)
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] });
      if (form.get('service') !== host || form.get('tenant') !== options.tenant) {
        return json(400, {
          errors: [{ code: 'BAD_REQUEST', message: 'service or tenant does not match the registry' }],
        });
      }
      call.principal = principal;
      return json(200, { refresh_token: refreshToken(principal, host) });
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      call.what = 'acr-token';
      const form = await readForm(req);
      const given = form.get('refresh_token') ?? '';
      const principal = [...new Set(issued.values())].find((p) => refreshToken(p, host) === given);
      if (!principal) return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] });
      call.principal = principal;
      return json(200, { access_token: accessToken(principal, host, form.get('scope') ?? '') });
    }
    return json(404, { error: 'not found' });
  }

  const cert = await trustedServerCert({
    ips: ['127.0.0.1'],
    dns: ['login.microsoftonline.com', ...(options.hosts ?? [])],
  });
  const servers = await listenDouble({
    http: handle,
    https: { cert: cert.certificatePem, key: cert.privateKeyPem, handler: handle },
  });
  const httpsPort = servers.httpsPort as number;
  return {
    authorityHost: `https://127.0.0.1:${httpsPort}/`,
    registryHost: `127.0.0.1:${httpsPort}`,
    httpUrl: servers.httpUrl,
    calls,
    refreshToken,
    accessToken,
    stop: servers.stop,
  };
}
