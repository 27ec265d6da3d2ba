// `npm run generate`: writes deploy/crds/*.yaml and src/api/generated/types.ts from the schemas in src/api/, and
// deploy/operator/custos-operator.yaml (the operator's default install) and the generated parts of the Helm chart
// (deploy/helm/custos-operator: Chart.yaml, templates/_rules.tpl, crds/) from src/operator/install/.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CRD_DIR, renderAll } from '../src/api/render.js';
import { cliVersion } from '../src/cli/version.js';
import { renderChartFiles } from '../src/operator/install/helm-chart.js';
import { renderDefaultInstall } from '../src/operator/install/manifests.js';

const root = join(import.meta.dirname, '..');
const crdFiles = renderAll();
const bundle = crdFiles.find((f) => f.path === `${CRD_DIR}/bundle.yaml`)?.content ?? '';
const files = [...crdFiles, renderDefaultInstall(cliVersion()), ...renderChartFiles(cliVersion(), bundle)];

// Drop CRD files of kinds that no longer exist, so deploy/crds/ always equals what renderAll() produces.
const wanted = new Set(files.map((f) => f.path));
for (const name of readdirSync(join(root, CRD_DIR), { withFileTypes: true })) {
  const path = `${CRD_DIR}/${name.name}`;
  if (name.isFile() && name.name.endsWith('.yaml') && !wanted.has(path)) rmSync(join(root, path));
}

for (const file of files) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${file.path} (${Buffer.byteLength(file.content)} bytes)`);
}
