// Entry point of the custos command line: wires subcommands; business logic lives in the rooms below.
import { Command } from 'commander';
import { registerAuditCommands } from './audit.js';
import { registerAuthMethodCommands } from './auth-method.js';
import { registerBackupCommands } from './backup.js';
import { registerCrdCommands } from './crds.js';
import { registerDevCommands } from './dev.js';
import { registerGatewayCommands } from './gateway.js';
import { registerLoginCommands } from './login.js';
import { registerOperatorCommand } from './operator.js';
import { registerRoleCommands } from './role.js';
import { registerSecretCommands } from './secret.js';
import { registerStatusCommand } from './status.js';
import { registerStoreCommands } from './store.js';
import { registerTemplateCommands } from './template.js';
import { cliVersion } from './version.js';

const program = new Command()
  .name('custos')
  .description('Custos: zero-knowledge secrets for Kubernetes, with an External Secrets Operator compatible operator')
  .version(cliVersion(), '-v, --version')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

registerDevCommands(program);
registerCrdCommands(program);
registerStatusCommand(program);
registerTemplateCommands(program);
registerStoreCommands(program);
registerGatewayCommands(program);
registerOperatorCommand(program);
registerLoginCommands(program);
registerSecretCommands(program);
registerAuthMethodCommands(program);
registerRoleCommands(program);
registerAuditCommands(program);
registerBackupCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`custos: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
