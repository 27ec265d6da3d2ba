// `custos deploy print`: the manifests that run the operator in a cluster (service account, least-privilege RBAC,
// Deployment with leader election, metrics Service, PodDisruptionBudget), for kubectl apply or GitOps.
import type { Command } from 'commander';
import { DEFAULT_INSTALL, manifestsYaml, operatorManifests } from '../operator/install/manifests.js';
import { dnsLabel, positiveInt } from './option-parsers.js';
import { cliVersion } from './version.js';

interface DeployFlags {
  namespace: string;
  image: string;
  replicas: number;
  name: string;
  watchNamespace?: string;
  controllerClass?: string;
  concurrency?: number;
  webhook: boolean;
  rolloutRestarts?: boolean;
}

export function registerDeployCommands(program: Command): void {
  const deploy = program.command('deploy').description('manifests that run the Custos operator in a cluster');
  deploy
    .command('print')
    .description('print the operator manifests as one YAML stream (apply the CRDs first: custos crds print)')
    .option('--namespace <ns>', 'namespace the operator runs in', dnsLabel('--namespace'), DEFAULT_INSTALL.namespace)
    .option('--image <ref>', 'container image whose entrypoint is custos', `custos:${cliVersion()}`)
    .option('--replicas <n>', 'replicas (one leads, the others stand by)', positiveInt('--replicas'), 2)
    // The Lease is "<name>-leader": keep the name short enough for it to stay a label.
    .option(
      '--name <name>',
      'name of the Deployment, service account and roles',
      dnsLabel('--name', 56),
      DEFAULT_INSTALL.name,
    )
    .option(
      '--watch-namespace <ns>',
      'limit the operator to this namespace (Secrets permissions only there)',
      dnsLabel('--watch-namespace'),
    )
    .option('--controller-class <class>', 'handle only stores of this spec.controller class')
    .option('--concurrency <n>', 'workers per controller', positiveInt('--concurrency'))
    .option(
      '--rollout-restarts',
      'let the operator restart the workloads ExternalSecrets name in custos.dev/rollout-restart (get, patch on ' +
        'apps deployments, statefulsets, daemonsets and Argo rollouts wherever it has the Secrets permissions; off by default)',
    )
    .option('--no-webhook', "leave out ESO's validating admission webhook (on by default, certificates self-managed)")
    .action((flags: DeployFlags) => {
      process.stdout.write(manifestsYaml(operatorManifests(flags)));
    });
}
