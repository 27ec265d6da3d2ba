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
  it("has ESO's generic-target and extended-metric-label flags, both off by default", () => {
    const command = program().commands.find((c) => c.name() === 'operator');
    for (const flag of ['--unsafe-allow-generic-targets', '--enable-extended-metric-labels']) {
      const option = command?.options.find((o) => o.long === flag);
      assert.ok(option, `${flag} exists`);
      assert.equal(option.defaultValue, false, `${flag} defaults to false`);
      assert.equal(option.required || option.optional, false, `${flag} takes no value`);
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
  it('takes a per-store provider budget: a rate >= 0 with decimals, a whole burst >= 1', async () => {
    const command = program().commands.find((c) => c.name() === 'operator');
    assert.equal(command?.options.find((o) => o.long === '--provider-qps')?.defaultValue, 0, 'no limit by default');
    for (const bad of ['-1', 'fast', '']) {
      await assert.rejects(
        program().parseAsync(['node', 'custos', 'operator', '--provider-qps', bad]),
        /--provider-qps must be a number >= 0/,
      );
    }
    await assert.rejects(
      program().parseAsync(['node', 'custos', 'operator', '--provider-burst', '0.5']),
      /--provider-burst must be a whole number >= 1/,
    );
  });
});
