// `custos role create|list|delete|associate|dissociate`: path rules with capabilities, bound to auth methods.
// Admin only. A rule is written PATH=CAP[,CAP...], e.g. '/mdapi/{{namespace}}/*=read,list'.
import type { Command } from 'commander';
import { adminCall, findAuthMethod } from './admin-calls.js';
import { CliError } from './api-client.js';
import { addOutputOption, outputFormat, writeJson, writeTable } from './output.js';
import { addProfileOption, session } from './session.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface RoleView {
  name: string;
  rules: { path: string; capabilities: string[] }[];
  system: string[];
  createdAt: string;
  updatedAt: string;
  /** Auth methods the role applies to (stores before 2026-12-06 do not send this). */
  bindings?: { accessId: string; boundClaims?: Record<string, string[]> }[];
}

export function parseRule(text: string): { path: string; capabilities: string[] } {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new CliError(`--rule takes PATH=CAPABILITIES, e.g. '/app/*=read,list', not "${text}"`);
  }
  return {
    path: text.slice(0, at),
    capabilities: text
      .slice(at + 1)
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  };
}

function boundClaims(list: string[] | undefined): Record<string, string[]> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`--bound-claim takes CLAIM=VALUE, e.g. namespace=joplin, not "${item}"`);
    const claim = item.slice(0, at);
    out[claim] = [...(out[claim] ?? []), item.slice(at + 1)];
  }
  return out;
}

export function registerRoleCommands(program: Command): void {
  const role = program.command('role').description('access roles: path rules with capabilities (admin only)');

  addOutputOption(addProfileOption(role.command('create')))
    .description('create or replace a role')
    .argument('<name>', 'a name: lowercase letters, digits, ".", "_", "-"')
    .option(
      '--rule <path=caps>',
      "a path rule, e.g. '/mdapi/{{namespace}}/*=read,list' (repeatable; caps: read list create update delete deny)",
      collect,
    )
    .option('--system <caps>', 'system capabilities, comma-separated: admin, audit, fragment')
    .action(async (name: string, o: { rule?: string[]; system?: string; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      if (!o.rule?.length && !o.system) throw new CliError('give at least one --rule PATH=CAPS (or --system CAPS)');
      const body = {
        name,
        rules: (o.rule ?? []).map(parseRule),
        system: o.system ? o.system.split(',').map((s) => s.trim()) : [],
      };
      const saved = await adminCall<RoleView>(session(o), 'PUT', '/v1/admin/roles', { body });
      if (format === 'json') writeJson(saved);
      else process.stdout.write(`role ${saved.name} saved with ${saved.rules.length} rule(s)\n`);
    });

  addOutputOption(addProfileOption(role.command('list')))
    .description('list roles, their rules and the auth methods they are bound to')
    .action(async (o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const { roles } = await adminCall<{ roles: RoleView[] }>(session(o), 'GET', '/v1/admin/roles');
      if (format === 'json') {
        writeJson({ roles });
        return;
      }
      const rows: unknown[][] = [];
      for (const r of roles) {
        const rules = r.rules.length > 0 ? r.rules : [{ path: '', capabilities: [] }];
        // One line per rule; the role's bindings (access ids, with bound claims) are listed down the last column.
        const bound = (r.bindings ?? []).map((b) => {
          const claims = Object.entries(b.boundClaims ?? {}).map(([k, v]) => `${k}=${v.join('|')}`);
          return claims.length > 0 ? `${b.accessId} (${claims.join(' ')})` : b.accessId;
        });
        const lines = Math.max(rules.length, bound.length);
        for (let i = 0; i < lines; i++) {
          const rule = rules[i];
          rows.push([
            i === 0 ? r.name : '',
            rule?.path ?? '',
            rule?.capabilities.join(',') ?? '',
            i === 0 ? r.system.join(',') : '',
            bound[i] ?? (i === 0 ? '-' : ''),
          ]);
        }
      }
      writeTable(['ROLE', 'PATH', 'CAPABILITIES', 'SYSTEM', 'BOUND TO'], rows);
    });

  addOutputOption(addProfileOption(role.command('delete')))
    .description('delete a role')
    .argument('<name>', 'the role')
    .action(async (name: string, o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      await adminCall(session(o), 'DELETE', '/v1/admin/roles', { query: { name } });
      if (format === 'json') writeJson({ name, deleted: true });
      else process.stdout.write(`deleted role ${name}\n`);
    });

  addOutputOption(addProfileOption(role.command('associate')))
    .description('grant a role to an auth method, optionally only for identities with given claims')
    .argument('<role>', 'the role')
    .requiredOption('--auth-method <name-or-access-id>', 'the auth method whose identities get the role')
    .option('--bound-claim <claim=value>', 'apply only when the claim has this value (repeatable)', collect)
    .action(
      async (name: string, o: { authMethod: string; boundClaim?: string[]; profile?: string; output: string }) => {
        const format = outputFormat(o.output);
        const target = session(o);
        const method = await findAuthMethod(target, o.authMethod);
        const result = await adminCall<{ role: string; accessId: string; boundClaims: Record<string, string[]> }>(
          target,
          'POST',
          '/v1/admin/roles/bind',
          { body: { role: name, accessId: method.accessId, boundClaims: boundClaims(o.boundClaim) } },
        );
        if (format === 'json') writeJson(result);
        else process.stdout.write(`role ${name} associated with ${method.name} (${method.accessId})\n`);
      },
    );

  addOutputOption(addProfileOption(role.command('dissociate')))
    .description('take a role away from an auth method')
    .argument('<role>', 'the role')
    .requiredOption('--auth-method <name-or-access-id>', 'the auth method')
    .action(async (name: string, o: { authMethod: string; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const target = session(o);
      const method = await findAuthMethod(target, o.authMethod);
      const result = await adminCall(target, 'POST', '/v1/admin/roles/unbind', {
        body: { role: name, accessId: method.accessId },
      });
      if (format === 'json') writeJson(result);
      else process.stdout.write(`role ${name} dissociated from ${method.name}\n`);
    });
}
