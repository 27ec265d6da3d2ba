// The `custos operator` command's flags, parsed without starting anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerOperatorCommand } from '../../../src/cli/operator.js';

function program(): Command {
  const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerOperatorCommand(p);
  return p;
}

describe('custos operator flags', () => {
  it('documents every flag of the issue', () => {
    const help =
      program()
        .commands.find((c) => c.name() === 'operator')
        ?.helpInformation() ?? '';
    for (const flag of [
      '--kubeconfig',
      '--concurrency',
      '--namespace',
      '--controller-class',
      '--metrics-addr',
      '--leader-elect',
    ]) {
      assert.ok(help.includes(flag), `help mentions ${flag}`);
    }
  });
  it('rejects a concurrency that is not a whole number >= 1, naming the flag', async () => {
    for (const bad of ['0', '-2', '1.5', 'many']) {
      await assert.rejects(
        program().parseAsync(['node', 'custos', 'operator', '--concurrency', bad]),
        /--concurrency must be a whole number >= 1/,
      );
    }
  });
});
