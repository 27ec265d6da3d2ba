// `custos crds ...`: print or install the external-secrets.io CRDs that Custos serves (the ESO-compatible API).
// @kubernetes/client-node (~80 MB resident) is imported only when `crds install` runs: main.ts loads this module
// for every command, `custos operator` included (test/unit/kube/operator-import-graph.test.ts checks that).
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { allCrds } from '../api/crds.js';
import { crdYaml } from '../api/render.js';

/** Loads a kubeconfig the way kubectl does: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
export async function loadKubeConfig(path?: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const source = path ?? process.env.KUBECONFIG ?? '~/.kube/config';
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw new Error(`cannot read kubeconfig ${source}: ${(error as Error).message}; pass --kubeconfig FILE`);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error('no Kubernetes cluster configured: pass --kubeconfig FILE or set KUBECONFIG');
  }
  return kc;
}

export function registerCrdCommands(program: Command): void {
  const crds = program.command('crds').description('the ESO-compatible CustomResourceDefinitions Custos serves');
  crds
    .command('print')
    .description('print every CRD as one YAML stream (for kubectl apply -f - or GitOps)')
    .action(() => {
      process.stdout.write(allCrds().map(crdYaml).join('---\n'));
    });
  crds
    .command('install')
    .description('create or update the CRDs with server-side apply and wait until they are Established')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .action(async (options: { kubeconfig?: string }) => {
      const { installCrds } = await import('../api/install.js');
      const names = await installCrds(await loadKubeConfig(options.kubeconfig));
      for (const name of names) process.stdout.write(`customresourcedefinition/${name} established\n`);
    });
}
