// `custos deploy print`: the manifests that run the operator in a cluster (service account, least-privilege RBAC,
// Deployment with leader election, metrics Service, PodDisruptionBudget), for kubectl apply or GitOps.
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_INSTALL, manifestsYaml, operatorManifests } from '../operator/install/manifests.js';
import { cliVersion } from './version.js';

// RFC 1123 label: what Kubernetes accepts as a namespace name (and what every object name here stays within).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dnsLabel(flag: string, maxLength = 63) {
  return (value: string): string => {
    if (value.length > maxLength || !DNS_LABEL.test(value)) {
      throw new InvalidArgumentError(
        `${flag} must be lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters`,
      );
    }
    return value;
  };
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number >= 1`);
    return n;
  };
}

interface DeployFlags {
  namespace: string;
  image: string;
  replicas: number;
  name: string;
  watchNamespace?: string;
  controllerClass?: string;
  concurrency?: number;
  webhook: boolean;
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
    .option('--no-webhook', "leave out ESO's validating admission webhook (on by default, certificates self-managed)")
    .action((flags: DeployFlags) => {
      process.stdout.write(manifestsYaml(operatorManifests(flags)));
    });
}
