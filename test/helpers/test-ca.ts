// The certificate authority of a test run: scripts/run-tests.ts creates it, writes it to CUSTOS_TEST_CA_DIR and
// adds it to NODE_EXTRA_CA_CERTS of the test processes, so a double serving HTTPS under a certificate from here is
// trusted by Custos as a real service would be (Node reads its trust store only at start). Go clients (the real
// ESO) are pointed at caFile() with SSL_CERT_FILE or their SDK's CA bundle setting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueServerCert, type TestCa } from './self-signed.js';

export const TEST_CA_DIR_ENV = 'CUSTOS_TEST_CA_DIR';

function testCa(): TestCa {
  const dir = process.env[TEST_CA_DIR_ENV];
  if (!dir) throw new Error(`${TEST_CA_DIR_ENV} is not set: run the tests with scripts/run-tests.ts (npm test)`);
  return { caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), caKeyPem: readFileSync(join(dir, 'ca-key.pem'), 'utf8') };
}

/** The run's CA certificate file (PEM). */
export function caFile(): string {
  return join(process.env[TEST_CA_DIR_ENV] ?? '', 'ca.pem');
}

/** A server certificate from the run's CA, which the test processes trust. */
export function trustedServerCert(names: { dns?: string[]; ips?: string[] }) {
  return issueServerCert(testCa(), names);
}
