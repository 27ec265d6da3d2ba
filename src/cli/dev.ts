// `custos dev ...`: local development environments.

import { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { installCrds } from '../api/index.js';
import { startControlPlane } from '../kube/controlplane/index.js';

export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('run Custos and its dependencies locally');
  dev
    .command('cluster')
    .description(
      'start a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) until interrupted',
    )
    .option('--dir <path>', 'parent directory for the control plane files (default: the system temp dir)')
    .option('--keep', 'keep the control plane directory (certificates, etcd data, logs) after exit', false)
    .option('--no-crds', 'do not install the external-secrets.io CRDs')
    .action(async (options: { dir?: string; keep: boolean; crds: boolean }) => {
      process.stderr.write(
        'starting a local control plane (the first run builds it from Go modules: several minutes)\n',
      );
      const plane = await startControlPlane({ baseDir: options.dir, keepDir: options.keep });
      if (options.crds) {
        const kc = new KubeConfig();
        kc.loadFromFile(plane.kubeconfigPath);
        const names = await installCrds(kc).catch(async (error: unknown) => {
          await plane.stop();
          throw error;
        });
        process.stderr.write(`installed ${names.length} external-secrets.io CRDs\n`);
      }
      process.stdout.write(`${plane.kubeconfigPath}\n`);
      process.stderr.write(
        `control plane ready at ${plane.server}\n` +
          `  export KUBECONFIG=${plane.kubeconfigPath}\n` +
          'press Ctrl-C to stop it and clean up\n',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stderr.write('stopping the control plane\n');
      await plane.stop();
    });
}
