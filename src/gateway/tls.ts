// The gateway's serving certificate: given PEM files, or one generated on first start (its own small CA, then a
// server certificate for the listed names) and kept in <config-dir>/tls so clients can pin the CA across restarts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateServingCertificate } from '../kube/serving-certificate.js';

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** The CA that signed a generated certificate (clients trust this); undefined for a given certificate. */
  caPem?: string;
  /** Where the CA was saved, for the operator to copy to clients. */
  caPath?: string;
}

const validityMs = 5 * 365 * 24 * 3600 * 1000;

/** Loads <configDir>/tls, or generates and saves it (key files owner-only; the CA's key is never written). */
export async function loadOrCreateServingCertificate(configDir: string, names: string[]): Promise<ServingCertificate> {
  const dir = join(configDir, 'tls');
  const paths = { cert: join(dir, 'gateway.crt'), key: join(dir, 'gateway.key'), ca: join(dir, 'ca.crt') };
  if (existsSync(paths.cert) && existsSync(paths.key) && existsSync(paths.ca)) {
    return {
      certPem: readFileSync(paths.cert, 'utf8'),
      keyPem: readFileSync(paths.key, 'utf8'),
      caPem: readFileSync(paths.ca, 'utf8'),
      caPath: paths.ca,
    };
  }
  const generated = await generateServingCertificate({
    names: [...new Set(['localhost', '127.0.0.1', '::1', ...names])],
    commonName: 'custos-gateway',
    caCommonName: 'custos-gateway-ca',
    validityMs,
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.key, generated.keyPem, { mode: 0o600 });
  writeFileSync(paths.cert, generated.certPem, { mode: 0o644 });
  writeFileSync(paths.ca, generated.caPem, { mode: 0o644 });
  return { ...generated, caPath: paths.ca };
}
