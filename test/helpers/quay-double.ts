// A stand-in for Quay's robot federation endpoint (GET /oauth2/federation/robot/token over HTTPS, under a
// certificate from the test run's CA): the robot account is the Basic auth user and a Kubernetes service account
// token its password, checked by the caller's `verifyToken` (the tests use the API server's TokenReview) against
// the subjects the robot federates with. The robot token it answers is a JWT with an exp claim, the same for the
// same robot and subject.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { trustedServerCert } from './test-ca.js';

export interface QuayDouble {
  /** 127.0.0.1:<port>, what a generator's spec.url holds (Quay is always HTTPS). */
  host: string;
  calls: Array<{ robot: string; subject: string; status: number }>;
  /** The robot token the double gives `robot` asked for by `subject`, and its exp claim. */
  robotToken(robot: string, subject: string): string;
  exp: number;
  stop(): Promise<void>;
}

export async function startQuayDouble(options: {
  /** robot -> the service account subjects it trusts (system:serviceaccount:<ns>:<name>). */
  robots: Record<string, string[]>;
  verifyToken(token: string): Promise<string | undefined>;
  /** One token per robot whoever federates (so two namespaces' accounts get the same token). */
  tokenPerRobot?: boolean;
}): Promise<QuayDouble> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const robotToken = (robot: string, subject: string) => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const federated = options.tokenPerRobot ? '' : subject;
    const sig = createHash('sha256').update(`${robot}|${federated}`).digest('base64url');
    return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: robot, fed: federated, exp })}.${sig}`;
  };
  const calls: QuayDouble['calls'] = [];
  const tls = await trustedServerCert({ ips: ['127.0.0.1'] });
  const server: Server = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
    void (async () => {
      const call = { robot: '', subject: '', status: 200 };
      calls.push(call);
      const reply = (status: number, body: unknown) => {
        call.status = status;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'GET' || req.url !== '/oauth2/federation/robot/token') {
        reply(404, { error: 'not found' });
        return;
      }
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [robot = '', ...rest] = Buffer.from(basic ?? '', 'base64')
        .toString('utf8')
        .split(':');
      call.robot = robot;
      const subject = await options.verifyToken(rest.join(':'));
      call.subject = subject ?? '';
      if (!options.robots[robot]) {
        reply(404, { error: 'Robot account not found' });
        return;
      }
      if (!subject || !options.robots[robot]?.includes(subject)) {
        reply(401, { error: 'Unauthorized: no federation configuration matches the token' });
        return;
      }
      reply(200, { token: robotToken(robot, subject) });
    })().catch((error) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    calls,
    robotToken,
    exp,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
