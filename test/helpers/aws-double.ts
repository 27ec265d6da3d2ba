// A stand-in for the parts of AWS the ECRAuthorizationToken and STSSessionToken generators call (AWS is a closed
// SaaS, so a double is the only option here): STS GetSessionToken, AssumeRole and AssumeRoleWithWebIdentity (the
// query protocol, XML answers), ECR and ECR Public GetAuthorizationToken (JSON 1.1). It checks every request's
// Signature Version 4 signature with its own implementation of AWS's published algorithm, so a request signed with
// the wrong secret, for the wrong service or region, or without the session token is refused as AWS refuses it.
// Web identity tokens are checked by the caller's `verifyWebIdentity` (the tests use the API server's TokenReview).
// Answers are deterministic per identity, so two clients (Custos and ESO) asking as the same identity get the same
// values. Plain HTTP for clients given an endpoint (AWS_ENDPOINT_URL); for clients that cannot be given one (ESO's
// AWS SDK for Go v1 has no ECR endpoint setting) it is also an HTTPS proxy: CONNECT to any host is answered with
// TLS under a certificate for *.amazonaws.com names from the test run's CA (trusted by Custos's test processes), and the request is served here.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { listenDouble, readBody } from './double-server.js';
import { caFile, trustedServerCert } from './test-ca.js';

export interface AwsUser {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** An MFA device: GetSessionToken with its serial number must bring this code. */
  mfa?: { serialNumber: string; code: string };
}

export interface AwsRole {
  name: string;
  /** Who may assume it: IAM user names (AssumeRole) and service account subjects (web identity). */
  trust: { users?: string[]; serviceAccounts?: string[] };
}

export interface AwsDoubleOptions {
  account?: string;
  users: AwsUser[];
  roles?: AwsRole[];
  /** Checks a web identity token for the audience sts.amazonaws.com; returns its subject or undefined. */
  verifyWebIdentity?: (token: string) => Promise<string | undefined>;
  /** Also act as an HTTPS proxy (CONNECT) for these AWS regions' endpoints. */
  proxyRegions?: string[];
}

export interface AwsCall {
  service: string;
  action: string;
  region: string;
  /** The identity's ARN, or 'anonymous' for unsigned calls (AssumeRoleWithWebIdentity). */
  caller: string;
  status: number;
  host: string;
  /** True when it came through the CONNECT proxy (TLS). */
  proxied: boolean;
}

interface Identity {
  arn: string;
  /** What deterministic answers derive from: the user ARN, or the role ARN for any session of that role. */
  key: string;
  secretAccessKey: string;
  sessionToken?: string;
  user?: AwsUser;
}

export interface AwsDouble {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL and as the HTTPS proxy URL. */
  url: string;
  /** PEM of the CA of the proxy's certificate, the test run's CA (for AWS_CA_BUNDLE). */
  certificatePem: string;
  account: string;
  calls: AwsCall[];
  roleArn(name: string): string;
  /** The ECR password the double gives `identityKey` (user or role ARN) in `region`. */
  ecrPassword(identityKey: string, region: string): string;
  /** Instant (ms) the deterministic expirations count from. */
  epochMs: number;
  /** Lets role `name` be assumed with the web identity of `subject` (system:serviceaccount:<ns>:<name>). */
  trust(name: string, subject: string): void;
  /** The next `times` calls of `action` fail with this answer (SDKs retry throttling and 5xx on their own). */
  failNext(action: string, failure: { status: number; code: string; message: string }, times?: number): void;
  stop(): Promise<void>;
}

class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const digest = (...parts: string[]) => createHash('sha256').update(parts.join('|')).digest();

// RFC 3986 unreserved characters stay, everything else is %XX (upper case), as SigV4 requires.
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalPath(path: string): string {
  // Not S3: each segment is encoded once more on top of the encoding already in the request line.
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

interface Signed {
  accessKeyId: string;
  region: string;
  service: string;
}

/** Checks the SigV4 Authorization header against `identities`; returns who signed. */
function verifySignature(req: IncomingMessage, body: Buffer, identities: Map<string, Identity>): Signed & Identity {
  const header = req.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) throw new AwsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const identity = identities.get(accessKeyId);
  if (!identity) {
    throw new AwsFault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date))
    throw new AwsFault(
      403,
      'SignatureDoesNotMatch',
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.',
    );
  if (identity.sessionToken !== undefined && req.headers['x-amz-security-token'] !== identity.sessionToken) {
    throw new AwsFault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new AwsFault(403, 'SignatureDoesNotMatch', 'host must be a signed header');
  const canonicalHeaders = names
    .map((name) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${String(value).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const url = new URL(req.url ?? '/', 'http://x');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(body));
  const canonicalRequest = [
    req.method,
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = ['aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(hmac(`AWS4${identity.secretAccessKey}`, date), region), service),
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (expected !== signature) {
    throw new AwsFault(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { accessKeyId, region, service, ...identity };
}

const xmlEscape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function xmlCredentials(c: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }) {
  return `<Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.SessionToken}</SessionToken><Expiration>${c.Expiration}</Expiration></Credentials>`;
}

export async function startAwsDouble(options: AwsDoubleOptions): Promise<AwsDouble> {
  const account = options.account ?? '123456789012';
  const epochMs = Math.floor(Date.now() / 1000) * 1000;
  const identities = new Map<string, Identity>();
  for (const user of options.users) {
    const arn = `arn:aws:iam::${account}:user/${user.name}`;
    identities.set(user.accessKeyId, { arn, key: arn, secretAccessKey: user.secretAccessKey, user });
  }
  const roles = new Map((options.roles ?? []).map((r) => [`arn:aws:iam::${account}:role/${r.name}`, r]));
  const calls: AwsCall[] = [];
  const failures = new Map<string, { status: number; code: string; message: string; times: number }>();

  /** Temporary credentials, the same for the same identity key and purpose. */
  function issue(key: string, purpose: string, arn: string, expiresMs: number) {
    const seed = digest(key, purpose);
    const accessKeyId = `ASIA${seed.toString('hex').slice(0, 16).toUpperCase()}`;
    const secretAccessKey = digest(key, purpose, 'secret').toString('base64').slice(0, 40);
    const sessionToken = `IQo${digest(key, purpose, 'token').toString('base64')}`;
    identities.set(accessKeyId, { arn, key, secretAccessKey, sessionToken });
    return {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      SessionToken: sessionToken,
      Expiration: new Date(expiresMs).toISOString(),
    };
  }

  const ecrPassword = (identityKey: string, region: string) =>
    digest('ecr', identityKey, region).toString('base64').replace(/=+$/, '');

  async function sts(form: URLSearchParams, signed: (Signed & Identity) | undefined): Promise<string> {
    const action = form.get('Action') ?? '';
    const wrap = (inner: string) =>
      `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
    if (action === 'GetSessionToken') {
      if (!signed) throw new AwsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      if (!signed.user) throw new AwsFault(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
      const duration = Number(form.get('DurationSeconds') ?? 43_200);
      if (!Number.isInteger(duration) || duration < 900 || duration > 129_600) {
        throw new AwsFault(
          400,
          'ValidationError',
          `1 validation error detected: Value '${form.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint`,
        );
      }
      const serial = form.get('SerialNumber');
      if (serial !== null) {
        const mfa = signed.user.mfa;
        if (!mfa || mfa.serialNumber !== serial || form.get('TokenCode') !== mfa.code) {
          throw new AwsFault(
            403,
            'AccessDenied',
            'MultiFactorAuthentication failed with invalid MFA one time pass code.',
          );
        }
      }
      const purpose = `session|${duration}|${serial ?? ''}`;
      return wrap(xmlCredentials(issue(signed.key, purpose, signed.arn, epochMs + duration * 1000)));
    }
    if (action === 'AssumeRole' || action === 'AssumeRoleWithWebIdentity') {
      const roleArn = form.get('RoleArn') ?? '';
      const sessionName = form.get('RoleSessionName') ?? '';
      const role = roles.get(roleArn);
      let subject: string | undefined;
      if (action === 'AssumeRole') {
        if (!signed) throw new AwsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
        if (!role || !signed.user || !(role.trust.users ?? []).includes(signed.user.name)) {
          throw new AwsFault(
            403,
            'AccessDenied',
            `User: ${signed.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          );
        }
      } else {
        subject = await options.verifyWebIdentity?.(form.get('WebIdentityToken') ?? '');
        if (!subject)
          throw new AwsFault(
            400,
            'InvalidIdentityToken',
            "Couldn't retrieve verification key from your identity provider",
          );
        if (!role || !(role.trust.serviceAccounts ?? []).includes(subject)) {
          throw new AwsFault(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
        }
      }
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
        throw new AwsFault(
          400,
          'ValidationError',
          `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
        );
      }
      const roleName = roleArn.split('/').pop() ?? '';
      const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
      const credentials = xmlCredentials(issue(roleArn, `role|${sessionName}`, arn, Date.now() + 3600_000));
      const user = `<AssumedRoleUser><AssumedRoleId>AROA${digest(roleArn).toString('hex').slice(0, 16).toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(arn)}</Arn></AssumedRoleUser>`;
      const extra = subject
        ? `<SubjectFromWebIdentityToken>${xmlEscape(subject)}</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>`
        : '';
      return wrap(credentials + user + extra);
    }
    throw new AwsFault(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }

  function ecr(target: string, signed: Signed & Identity): unknown {
    if (target === 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') {
      const token = Buffer.from(`AWS:${ecrPassword(signed.key, signed.region)}`).toString('base64');
      return {
        authorizationData: [
          {
            authorizationToken: token,
            expiresAt: (epochMs + 12 * 3600_000) / 1000,
            proxyEndpoint: `https://${account}.dkr.ecr.${signed.region}.amazonaws.com`,
          },
        ],
      };
    }
    if (target === 'SpencerFrontendService.GetAuthorizationToken') {
      const token = Buffer.from(`AWS:${ecrPassword(signed.key, `public|${signed.region}`)}`).toString('base64');
      return { authorizationData: { authorizationToken: token, expiresAt: (epochMs + 12 * 3600_000) / 1000 } };
    }
    throw new AwsFault(400, 'UnknownOperationException', `unknown operation ${target}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const form = target ? undefined : new URLSearchParams(body.toString('utf8'));
    const action = target ? (target.split('.').pop() ?? '') : (form?.get('Action') ?? '');
    const service = target.startsWith('SpencerFrontendService') ? 'ecr-public' : target ? 'ecr' : 'sts';
    const call: AwsCall = {
      service,
      action,
      region: '',
      caller: 'anonymous',
      status: 200,
      host: String(req.headers.host ?? ''),
      proxied: req.socket instanceof TLSSocket,
    };
    calls.push(call);
    try {
      const failure = failures.get(action);
      if (failure) {
        if (--failure.times <= 0) failures.delete(action);
        throw new AwsFault(failure.status, failure.code, failure.message);
      }
      const unsigned = action === 'AssumeRoleWithWebIdentity' && !req.headers.authorization;
      const signed = unsigned ? undefined : verifySignature(req, body, identities);
      if (signed) {
        call.caller = signed.arn;
        call.region = signed.region;
        if (signed.service !== service) {
          throw new AwsFault(
            403,
            'SignatureDoesNotMatch',
            `Credential should be scoped to correct service: '${service}'.`,
          );
        }
      }
      if (service === 'sts' && form) {
        const xml = await sts(form, signed);
        res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify(ecr(target, signed as Signed & Identity)));
    } catch (error) {
      const fault = error instanceof AwsFault ? error : new AwsFault(500, 'InternalFailure', String(error));
      call.status = fault.status;
      if (service === 'sts') {
        const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${fault.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${fault.code}</Code><Message>${xmlEscape(fault.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
        res.writeHead(fault.status, { 'content-type': 'text/xml' }).end(xml);
      } else {
        res
          .writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.code })
          .end(JSON.stringify({ __type: fault.code, message: fault.message }));
      }
    }
  }

  const regions = options.proxyRegions ?? ['us-east-1'];
  const hosts = [
    'sts.amazonaws.com',
    ...regions.flatMap((r) => [`*.${r}.amazonaws.com`, `*.ecr.${r}.amazonaws.com`, `*.ecr-public.${r}.amazonaws.com`]),
  ];
  const pair = await trustedServerCert({ dns: hosts });
  const servers = await listenDouble({
    http: handle,
    https: { cert: pair.certificatePem, key: pair.privateKeyPem, handler: handle },
  });

  return {
    url: servers.httpUrl,
    certificatePem: readFileSync(caFile(), 'utf8'),
    account,
    calls,
    epochMs,
    roleArn: (name) => `arn:aws:iam::${account}:role/${name}`,
    ecrPassword,
    trust: (name, subject) => {
      const role = roles.get(`arn:aws:iam::${account}:role/${name}`);
      if (!role) throw new Error(`the AWS double has no role ${name}`);
      role.trust.serviceAccounts = [...(role.trust.serviceAccounts ?? []), subject];
    },
    failNext: (action, failure, times = 1) => failures.set(action, { ...failure, times }),
    stop: servers.stop,
  };
}
