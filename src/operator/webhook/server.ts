// The HTTPS server the API server calls for admission reviews (ESO's `webhook` command: same paths, same
// `tls.crt`/`tls.key` in a cert dir). The certificate is re-read when its files change, so a rotated Secret
// mount (cert-manager, or a renewed self-signed pair) is served without a restart. Logs name the path and the
// verdict, never the object under review.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ProviderRegistry } from '../../providers/index.js';
import { listenOn, parseListenAddress } from '../http.js';
import { admit, WEBHOOK_PATHS } from './admission.js';

export interface WebhookServerOptions {
  /** "host:port" or ":port". */
  address: string;
  /** Directory holding tls.crt and tls.key. */
  certDir: string;
  registry: ProviderRegistry;
  logger: Logger;
  /** How often to look for a renewed certificate (default 10 s). */
  certCheckIntervalMs?: number;
}

export interface WebhookServer {
  address: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024; // the API server's own request size limit

function readPair(certDir: string): { cert: Buffer; key: Buffer; stamp: string } {
  const certPath = join(certDir, 'tls.crt');
  const keyPath = join(certDir, 'tls.key');
  try {
    const stamp = [certPath, keyPath].map((p) => statSync(p).mtimeMs).join('/');
    return { cert: readFileSync(certPath), key: readFileSync(keyPath), stamp };
  } catch (error) {
    throw new Error(
      `cannot read the webhook certificate: ${(error as Error).message}; put tls.crt and tls.key in --webhook-cert-dir ${certDir}`,
    );
  }
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { host, port } = parseListenAddress(options.address);
  let pair = readPair(options.certDir);
  const server: Server = createServer({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const kind = WEBHOOK_PATHS[path as keyof typeof WEBHOOK_PATHS];
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!kind) return reply(404, { message: `no webhook at ${path}: use ${Object.keys(WEBHOOK_PATHS).join(', ')}` });
    if (req.method !== 'POST') return reply(405, { message: 'use POST with an AdmissionReview' });
    const chunks: Buffer[] = [];
    let size = 0;
    // A caller that goes away mid-request (or a body over the limit, destroyed below) is not the operator's error.
    req.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let response: ReturnType<typeof admit>;
      try {
        response = admit(kind, JSON.parse(Buffer.concat(chunks).toString('utf8')), options.registry);
      } catch (error) {
        options.logger.warn({ path, err: (error as Error).message }, 'bad admission request');
        return reply(400, { message: (error as Error).message });
      }
      options.logger.debug({ path, allowed: response.allowed }, 'admission review');
      reply(200, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
    });
  });
  const timer = setInterval(() => {
    try {
      const next = readPair(options.certDir);
      if (next.stamp === pair.stamp) return;
      server.setSecureContext({ cert: next.cert, key: next.key });
      pair = next;
      options.logger.info({ certDir: options.certDir }, 'webhook certificate reloaded');
    } catch (error) {
      options.logger.warn({ err: (error as Error).message }, 'webhook certificate not reloaded');
    }
  }, options.certCheckIntervalMs ?? 10_000);
  timer.unref();
  const listening = await listenOn(server, host, port).catch((error: unknown) => {
    clearInterval(timer);
    throw error;
  });
  return {
    address: listening.address,
    close: () => {
      clearInterval(timer);
      return listening.close();
    },
  };
}
