// A stand-in for Google's OAuth token endpoint and a node's metadata server (Google Cloud is a closed service): the
// JWT bearer grant (RFC 7523) a service account key makes, checked against that account's public key (signature,
// issuer, audience = the endpoint's own URL, scope, lifetime), and the metadata server's token of the node's
// default account (only with the Metadata-Flavor: Google header, as the real one). For GKE workload identity it
// also serves, over HTTPS under the test run's CA and reached as an HTTPS proxy (CONNECT), the Security Token
// Service's identitybindingtoken (the Kubernetes token checked by the caller's `verifySubject`, e.g. a TokenReview
// for the pool's audience) and IAM Credentials' generateAccessToken (only for the Google accounts a subject may
// impersonate). Tokens are deterministic per account and scope, so two clients asking as one account get the same.
import { createHash, createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDouble, readBody } from './double-server.js';
import { trustedServerCert } from './test-ca.js';

export interface GoogleCall {
  /** 'token' (JWT bearer grant), 'metadata', 'sts' (identitybindingtoken) or 'iam' (generateAccessToken). */
  endpoint: 'token' | 'metadata' | 'sts' | 'iam' | 'other';
  /** The account that asked, or '' when refused before knowing it. */
  account: string;
  status: number;
  path: string;
}

export interface GoogleDouble {
  /** http://127.0.0.1:<port>; also an HTTPS proxy (CONNECT) for the Google API hosts. */
  url: string;
  /** host:port, for GCE_METADATA_HOST. */
  metadataHost: string;
  /** The token endpoint (token_uri of the keys below). */
  tokenUri: string;
  calls: GoogleCall[];
  /** A new service account key JSON (what `gcloud iam service-accounts keys create` writes), trusted by the double. */
  newKey(email: string): string;
  /** The federated token the Security Token Service gives a Kubernetes subject. */
  federatedToken(subject: string): string;
  /** The access token the double gives `account` for `scope`. */
  accessToken(account: string, scope: string): string;
  stop(): Promise<void>;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
export const TOKEN_SECONDS = 3599;

export interface WorkloadIdentitySetup {
  cluster: { location: string; name: string };
  /** Checks a Kubernetes token for `audience` (the pool); the account's subject or undefined. */
  verifySubject(token: string, audience: string): Promise<string | undefined>;
  /** Google account -> the Kubernetes subjects (system:serviceaccount:<ns>:<name>) that may impersonate it. */
  impersonation: Record<string, string[]>;
}

export async function startGoogleDouble(options: {
  defaultAccount: string;
  projectId?: string;
  workloadIdentity?: WorkloadIdentitySetup;
}): Promise<GoogleDouble> {
  const keys = new Map<string, { publicKey: KeyObject; keyId: string }>();
  const calls: GoogleCall[] = [];
  const accessToken = (account: string, scope: string) =>
    `ya29.${createHash('sha256').update(`${account}|${scope}`).digest('base64url')}`;
  let tokenUri = '';

  function checkAssertion(assertion: string): string {
    const [header = '', claims = '', signature = ''] = assertion.split('.');
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    const set = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
    const account = String(set.iss ?? '');
    const known = keys.get(account);
    if (head.alg !== 'RS256' || !known) throw new Error('invalid_grant: Invalid grant: account not found');
    if (head.kid !== undefined && head.kid !== known.keyId) throw new Error('invalid_grant: Invalid JWT Signature.');
    const ok = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(known.publicKey, Buffer.from(signature, 'base64url'));
    if (!ok) throw new Error('invalid_grant: Invalid JWT Signature.');
    if (set.aud !== tokenUri) throw new Error(`invalid_grant: Invalid JWT: audience must be ${tokenUri}`);
    const iat = Number(set.iat);
    const exp = Number(set.exp);
    const now = Date.now() / 1000;
    if (!(exp > now && exp - iat <= 3600 && iat <= now + 60))
      throw new Error(
        'invalid_grant: Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      );
    if (set.scope !== CLOUD_PLATFORM) throw new Error('invalid_scope: the double knows only the cloud-platform scope');
    return account;
  }

  const project = options.projectId ?? 'custos-test';
  const federatedToken = (subject: string) => `ya29.wi.${createHash('sha256').update(subject).digest('base64url')}`;
  const pool = `${project}.svc.id.goog`;
  /** Federated tokens from identitybindingtoken -> the Kubernetes subject. */
  const federated = new Map<string, string>();

  async function workloadIdentity(req: IncomingMessage, res: ServerResponse, call: GoogleCall): Promise<void> {
    const json = (status: number, body: unknown) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const wi = options.workloadIdentity;
    const url = new URL(req.url ?? '/', 'https://x');
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    if (!wi) return json(404, { error: { status: 'NOT_FOUND', message: 'no workload identity here' } });
    if (url.pathname === '/v1/identitybindingtoken') {
      call.endpoint = 'sts';
      const provider = `https://container.googleapis.com/v1/projects/${project}/locations/${wi.cluster.location}/clusters/${wi.cluster.name}`;
      if (body.audience !== `identitynamespace:${pool}:${provider}`) {
        return json(400, {
          error: 'invalid_target',
          error_description: `The target service indicated by the "audience" parameters is invalid: ${String(body.audience)}`,
        });
      }
      const subject = await wi.verifySubject(String(body.subject_token ?? ''), pool);
      if (!subject)
        return json(400, { error: 'invalid_grant', error_description: 'The provided subject token is invalid.' });
      call.account = subject;
      const token = federatedToken(subject);
      federated.set(token, subject);
      return json(200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: TOKEN_SECONDS,
      });
    }
    const generate = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
      decodeURIComponent(url.pathname),
    );
    if (generate) {
      call.endpoint = 'iam';
      const account = generate[1] ?? '';
      const subject = federated.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!subject)
        return json(401, {
          error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
        });
      if (!(wi.impersonation[account] ?? []).includes(subject)) {
        return json(403, {
          error: {
            code: 403,
            status: 'PERMISSION_DENIED',
            message: `Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).`,
          },
        });
      }
      call.account = account;
      const scopes = Array.isArray(body.scope) ? body.scope.join(' ') : '';
      return json(200, {
        accessToken: accessToken(account, scopes),
        expireTime: new Date(Date.now() + TOKEN_SECONDS * 1000).toISOString(),
      });
    }
    return json(404, { error: { status: 'NOT_FOUND', message: url.pathname } });
  }

  const tls = await trustedServerCert({ dns: ['securetoken.googleapis.com', 'iamcredentials.googleapis.com'] });
  const apiHandler = async (req: IncomingMessage, res: ServerResponse) => {
    const call: GoogleCall = { endpoint: 'other', account: '', status: 200, path: req.url ?? '' };
    calls.push(call);
    await workloadIdentity(req, res, call);
  };

  const localHandler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const call: GoogleCall = { endpoint: 'other', account: '', status: 200, path: url.pathname };
    calls.push(call);
    const json = (status: number, body: unknown) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/token') {
      call.endpoint = 'token';
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
        return;
      }
      try {
        call.account = checkAssertion(form.get('assertion') ?? '');
      } catch (error) {
        const [code = 'invalid_grant', ...rest] = String((error as Error).message).split(': ');
        json(400, { error: code, error_description: rest.join(': ') });
        return;
      }
      json(200, {
        access_token: accessToken(call.account, CLOUD_PLATFORM),
        expires_in: TOKEN_SECONDS,
        token_type: 'Bearer',
      });
      return;
    }
    if (url.pathname.startsWith('/computeMetadata/v1/')) {
      call.endpoint = 'metadata';
      if (req.headers['metadata-flavor'] !== 'Google') {
        call.status = 403;
        res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
        return;
      }
      const path = url.pathname.slice('/computeMetadata/v1/'.length);
      if (path === 'instance/service-accounts/default/token') {
        call.account = options.defaultAccount;
        const scopes = url.searchParams.get('scopes') ?? CLOUD_PLATFORM;
        json(200, {
          access_token: accessToken(options.defaultAccount, scopes),
          expires_in: TOKEN_SECONDS,
          token_type: 'Bearer',
        });
        return;
      }
      const plain: Record<string, string> = {
        'project/project-id': project,
        ...(options.workloadIdentity
          ? {
              'instance/attributes/cluster-name': options.workloadIdentity.cluster.name,
              'instance/attributes/cluster-location': options.workloadIdentity.cluster.location,
            }
          : {}),
        'instance/service-accounts/default/email': options.defaultAccount,
        'universe/universe-domain': 'googleapis.com',
      };
      const answer = plain[path] ?? (path === '' ? '' : undefined);
      if (answer === undefined) {
        call.status = 404;
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/text', 'metadata-flavor': 'Google' }).end(answer);
      return;
    }
    // The metadata client's "am I on Google Cloud?" probe is a GET of /.
    if (url.pathname === '/') {
      call.endpoint = 'metadata';
      res.writeHead(200, { 'metadata-flavor': 'Google' }).end('computeMetadata/');
      return;
    }
    call.status = 404;
    res.writeHead(404).end('not found');
  };
  // The HTTPS server (Google's API hosts) is reached through the plain port as an HTTPS proxy (CONNECT).
  const servers = await listenDouble({
    http: localHandler,
    https: { cert: tls.certificatePem, key: tls.privateKeyPem, handler: apiHandler },
  });
  const url = servers.httpUrl;
  const port = new URL(url).port;
  tokenUri = `${url}/token`;

  return {
    url,
    metadataHost: `127.0.0.1:${port}`,
    tokenUri,
    calls,
    accessToken,
    federatedToken,
    newKey: (email) => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyId = createHash('sha1').update(email).digest('hex');
      keys.set(email, { publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), keyId });
      return JSON.stringify({
        type: 'service_account',
        project_id: options.projectId ?? 'custos-test',
        private_key_id: keyId,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: email,
        client_id: '1234567890',
        token_uri: tokenUri,
      });
    },
    stop: servers.stop,
  };
}
