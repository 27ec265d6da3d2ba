// The committed CRD YAML and TypeScript types must be exactly what the schemas in src/api/ produce today, and
// every CRD must stay small enough for client-side `kubectl apply` (its last-applied annotation is capped).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { allCrds } from '../../../src/api/crds.js';
import { CRD_DIR, renderAll } from '../../../src/api/render.js';

const root = join(import.meta.dirname, '../../..');
const ANNOTATION_LIMIT = 262_144;
const files = renderAll();

describe('generated artefacts', () => {
  it('match the committed deploy/crds/*.yaml and src/api/generated/types.ts', () => {
    for (const file of files) {
      const path = join(root, file.path);
      assert.ok(existsSync(path), `${file.path} is missing: run npm run generate`);
      const committed = readFileSync(path, 'utf8');
      assert.ok(committed === file.content, `${file.path} is stale: run npm run generate`);
    }
  });

  it('leave no CRD file in deploy/crds that the schemas no longer produce', () => {
    const expected = new Set(files.filter((f) => f.path.startsWith(`${CRD_DIR}/`)).map((f) => f.path));
    const extra = readdirSync(join(root, CRD_DIR))
      .map((name) => `${CRD_DIR}/${name}`)
      .filter((path) => path.endsWith('.yaml') && !expected.has(path));
    assert.deepEqual(extra, [], 'unexpected files: run npm run generate');
  });

  it('write one file per CRD, and a bundle that parses back to exactly the CRDs installCrds() applies', () => {
    const crds = allCrds();
    const crdFiles = files.filter((f) => f.path.endsWith('.yaml') && !f.path.endsWith('/bundle.yaml'));
    assert.equal(crdFiles.length, crds.length);
    assert.ok(files.some((f) => f.path === `${CRD_DIR}/external-secrets.io_externalsecrets.yaml`));
    assert.ok(files.some((f) => f.path === `${CRD_DIR}/generators.external-secrets.io_passwords.yaml`));
    const bundle = files.find((f) => f.path === `${CRD_DIR}/bundle.yaml`);
    assert.ok(bundle);
    // Each file's document appears verbatim in the bundle, so parsing the bundle once checks them all.
    for (const file of crdFiles) {
      assert.ok(bundle.content.includes(file.content.slice(file.content.indexOf('\n') + 1)), file.path);
    }
    const docs = parseAllDocuments(bundle.content).map((d) => d.toJS() as unknown);
    assert.deepEqual(docs, JSON.parse(JSON.stringify(crds)));
  });

  it('keep every CRD under 262,144 bytes, as YAML and as the JSON kubectl stores in its annotation', () => {
    for (const file of files.filter((f) => f.path.endsWith('.yaml') && !f.path.endsWith('/bundle.yaml'))) {
      const yamlBytes = Buffer.byteLength(file.content);
      assert.ok(yamlBytes < ANNOTATION_LIMIT, `${file.path} is ${yamlBytes} bytes of YAML`);
    }
    for (const crd of allCrds()) {
      const jsonBytes = Buffer.byteLength(JSON.stringify(crd));
      assert.ok(jsonBytes < ANNOTATION_LIMIT, `${crd.metadata.name} is ${jsonBytes} bytes of JSON`);
    }
  });

  it('write the YAML without anchors or aliases, so every tool reads it the same way', () => {
    for (const file of files.filter((f) => f.path.endsWith('.yaml'))) {
      assert.doesNotMatch(file.content, /(^|\s)[&*]a\d+(\s|$)/m, `${file.path} uses YAML aliases`);
    }
  });
});
