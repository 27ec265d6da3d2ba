// A stand-in for Cloudsmith's OIDC endpoint (POST /openid/<org>/ over HTTPS, under a certificate from the test run's
// CA): the Kubernetes service account token in `oidc_token` is checked by the caller's `verifyToken` (the tests use
// the API server's TokenReview) against the subjects each service trusts, and a JWT with an exp claim is answered
// with 201, as Cloudsmith does. The token is the same for the same org, service and subject.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { trustedServerCert } from './test-ca.js';

export interface CloudsmithDouble {
  /** https://127.0.0.1:<port>, what spec.apiUrl holds. */
  url: string;
  calls: Array<{ path: string; service: string; subject: string; status: number }>;
  token(org: string, service: string, subject: string): string;
  exp: number;
  stop(): Promise<void>;
}

export async function startCloudsmithDouble(options: {
  /** "<org>/<service>" -> the service account subjects it trusts. */
  services: Record<string, string[]>;
  verifyToken(token: string): Promise<string | undefined>;
}): Promise<CloudsmithDouble> {
  const exp = Math.floor(Date.now() / 1000) + 7200;
  const token = (org: string, service: string, subject: string) => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const sig = createHash('sha256').update(`${org}|${service}|${subject}`).digest('base64url');
    return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: service, org, exp })}.${sig}`;
  };
  const calls: CloudsmithDouble['calls'] = [];
  const tls = await trustedServerCert({ ips: ['127.0.0.1'] });
  const server: Server = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      void (async () => {
        const call = { path: req.url ?? '', service: '', subject: '', status: 201 };
        calls.push(call);
        const reply = (status: number, body: unknown) => {
          call.status = status;
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        };
        const org = /^\/openid\/([^/]+)\/$/.exec(req.url ?? '')?.[1];
        if (req.method !== 'POST' || !org) return reply(404, { detail: 'Not found.' });
        const body = JSON.parse(raw || '{}') as { oidc_token?: string; service_slug?: string };
        call.service = body.service_slug ?? '';
        call.subject = (await options.verifyToken(body.oidc_token ?? '')) ?? '';
        const trusted = options.services[`${org}/${call.service}`];
        if (!trusted || !trusted.includes(call.subject)) {
          return reply(401, { detail: 'Authentication credentials were not provided or are invalid.' });
        }
        reply(201, { token: token(org, call.service, call.subject) });
      })().catch((error) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    token,
    exp,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
