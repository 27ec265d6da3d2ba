// Entry point of the custos command line: wires subcommands; business logic lives in the rooms below.
// A command's module is loaded only when that command runs (all of them for help or an unknown word), so a
// long-running `custos operator` does not carry the store, the gateway and the template engine in its memory.
import { Command } from 'commander';
import { cliVersion } from './version.js';

type Register = (program: Command) => void;

/** Top-level command names -> the module that registers them, in the order help lists them. */
const commandModules: Array<[names: string[], load: () => Promise<Register>]> = [
  [['dev'], async () => (await import('./dev.js')).registerDevCommands],
  [['crds'], async () => (await import('./crds.js')).registerCrdCommands],
  [['deploy'], async () => (await import('./deploy.js')).registerDeployCommands],
  [['validate'], async () => (await import('./validate.js')).registerValidateCommand],
  [['status'], async () => (await import('./status.js')).registerStatusCommand],
  [['refresh'], async () => (await import('./refresh.js')).registerRefreshCommand],
  [['template'], async () => (await import('./template.js')).registerTemplateCommands],
  [['store'], async () => (await import('./store.js')).registerStoreCommands],
  [['gateway', 'fragment'], async () => (await import('./gateway.js')).registerGatewayCommands],
  [['operator'], async () => (await import('./operator.js')).registerOperatorCommand],
  [['login', 'logout'], async () => (await import('./login.js')).registerLoginCommands],
  [['secret'], async () => (await import('./secret.js')).registerSecretCommands],
  [['auth-method'], async () => (await import('./auth-method.js')).registerAuthMethodCommands],
  [['role'], async () => (await import('./role.js')).registerRoleCommands],
  [['audit'], async () => (await import('./audit.js')).registerAuditCommands],
  [['backup'], async () => (await import('./backup.js')).registerBackupCommands],
];

// `custos crds print | head`: a reader that stops reading early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const program = new Command()
  .name('custos')
  .description('Custos: zero-knowledge secrets for Kubernetes, with an External Secrets Operator compatible operator')
  .version(cliVersion(), '-v, --version')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

try {
  const word = process.argv[2];
  const only = commandModules.find(([names]) => word !== undefined && names.includes(word));
  for (const [, load] of only ? [only] : commandModules) (await load())(program);
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`custos: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
