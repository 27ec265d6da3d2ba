// The gateway's serving certificate: given PEM files, or one generated on first start (its own small CA, then a
// server certificate for the listed names) and kept in <config-dir>/tls so clients can pin the CA across restarts.
// @peculiar/x509 relies on tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** The CA that signed a generated certificate (clients trust this); undefined for a given certificate. */
  caPem?: string;
  /** Where the CA was saved, for the operator to copy to clients. */
  caPath?: string;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const validityMs = 5 * 365 * 24 * 3600 * 1000;

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function generate(names: string[]): Promise<Required<Omit<ServingCertificate, 'caPath'>>> {
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=custos-gateway-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=custos-gateway',
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
      ),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey), caPem: ca.toString('pem') };
}

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
  const generated = await generate([...new Set(['localhost', '127.0.0.1', '::1', ...names])]);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.key, generated.keyPem, { mode: 0o600 });
  writeFileSync(paths.cert, generated.certPem, { mode: 0o644 });
  writeFileSync(paths.ca, generated.caPem, { mode: 0o644 });
  return { ...generated, caPath: paths.ca };
}
