// Benchmark: what the admission webhook adds to an ExternalSecret create or update. The operator's webhook server
// answers N AdmissionReviews (realistic ExternalSecrets with 10 data entries, every other one invalid) over
// keep-alive HTTPS, next to a baseline measured in the same run: a bare HTTPS server on the same certificate that
// reads the body and allows everything (the floor of TLS + HTTP + JSON in Node).
//
// Run: npx tsx bench/webhook/admission.ts [--requests 20000] [--concurrency 16]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { generateServingCertificate } from '../../src/kube/serving-certificate.js';
import { listenOn } from '../../src/operator/http.js';
import { startWebhookServer } from '../../src/operator/webhook/server.js';
import { defaultProviderRegistry } from '../../src/providers/index.js';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '16' } },
});
const N = Number(args.requests);
const C = Number(args.concurrency);
const PATH = '/validate-external-secrets-io-v1-externalsecret';

const review = (i: number) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${i}`,
      operation: 'CREATE',
      object: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: `es-${i}`, namespace: 'bench' },
        spec: {
          secretStoreRef: { name: 'store' },
          refreshInterval: '1h',
          target: i % 2 === 0 ? { creationPolicy: 'Owner' } : { creationPolicy: 'Merge', deletionPolicy: 'Delete' },
          data: Array.from({ length: 10 }, (_, k) => ({
            secretKey: `key-${k}`,
            remoteRef: { key: `app/${i}`, property: `p${k}` },
          })),
        },
      },
    },
  });

async function load(port: number, ca: string): Promise<{ p50: number; p99: number; perSecond: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: C, ca });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const i = next++;
        const body = review(i);
        const t0 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              path: PATH,
              method: 'POST',
              agent,
              servername: 'localhost',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve());
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), perSecond: Math.round(N / seconds) };
}

const cert = await generateServingCertificate({
  names: ['localhost'],
  commonName: 'localhost',
  caCommonName: 'bench-ca',
  validityMs: 3600_000,
});
const dir = mkdtempSync(join(tmpdir(), 'custos-webhook-bench-'));
writeFileSync(join(dir, 'tls.crt'), cert.certPem);
writeFileSync(join(dir, 'tls.key'), cert.keyPem);
const webhook = await startWebhookServer({
  address: '127.0.0.1:0',
  certDir: dir,
  registry: defaultProviderRegistry(),
  logger: pino({ level: 'silent' }),
});
const bare = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const uid = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } }).request.uid;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid, allowed: true },
      }),
    );
  });
});
const baseline = await listenOn(bare, '127.0.0.1', 0);
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));
try {
  // One warm-up pass each, then the measured ones, alternating.
  await load(portOf(baseline.address), cert.caPem);
  await load(portOf(webhook.address), cert.caPem);
  const results = {
    baseline: await load(portOf(baseline.address), cert.caPem),
    webhook: await load(portOf(webhook.address), cert.caPem),
    baselineAgain: await load(portOf(baseline.address), cert.caPem),
    webhookAgain: await load(portOf(webhook.address), cert.caPem),
  };
  console.log(`${N} AdmissionReviews at concurrency ${C} (ms; reviews per second)`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await webhook.close();
  await baseline.close();
  rmSync(dir, { recursive: true, force: true });
}
