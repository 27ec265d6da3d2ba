// `custos auth-method create|list|delete`: how identities log in (api_key, kubernetes, jwt). Admin only.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AuthMethodView, adminCall, findAuthMethod } from './admin-calls.js';
import { CliError } from './api-client.js';
import { addOutputOption, outputFormat, writeFields, writeJson, writeTable } from './output.js';
import { addProfileOption, session } from './session.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CreateOptions {
  type: string;
  config?: string;
  configFile?: string;
  kubeconfigPath?: string;
  kubeServer?: string;
  kubeCaFile?: string;
  reviewerTokenFile?: string;
  boundNamespace?: string[];
  boundServiceAccount?: string[];
  audience?: string[];
  jwksUrl?: string;
  jwksFile?: string;
  issuer?: string;
  boundClaim?: string[];
  claimMapping?: string[];
  profile?: string;
  output: string;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJsonObject(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${source} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${source} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function pairs(list: string[] | undefined, flag: string): [string, string][] {
  return (list ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`${flag} takes NAME=VALUE, not "${item}"`);
    return [item.slice(0, at), item.slice(at + 1)];
  });
}

/** The method's config from --config/--config-file, with the typed flags on top. */
function buildConfig(o: CreateOptions): Record<string, unknown> {
  const config: Record<string, unknown> = o.config ? parseJsonObject(o.config, '--config') : {};
  if (o.configFile) Object.assign(config, parseJsonObject(readText(o.configFile, '--config-file'), o.configFile));
  const set = (key: string, value: unknown) => {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) config[key] = value;
  };
  if (o.type === 'kubernetes') {
    set('kubeconfigPath', o.kubeconfigPath);
    set('server', o.kubeServer);
    set('caCert', o.kubeCaFile ? readText(o.kubeCaFile, '--kube-ca-file') : undefined);
    set(
      'reviewerToken',
      o.reviewerTokenFile ? readText(o.reviewerTokenFile, '--reviewer-token-file').trim() : undefined,
    );
    set('audiences', o.audience);
    set('boundNamespaces', o.boundNamespace);
    set('boundServiceAccounts', o.boundServiceAccount);
  } else if (o.type === 'jwt') {
    set('jwksUrl', o.jwksUrl);
    set('jwks', o.jwksFile ? parseJsonObject(readText(o.jwksFile, '--jwks-file'), o.jwksFile) : undefined);
    set('issuer', o.issuer);
    set('audience', o.audience);
    const bound: Record<string, string[]> = {};
    for (const [name, value] of pairs(o.boundClaim, '--bound-claim')) bound[name] = [...(bound[name] ?? []), value];
    if (Object.keys(bound).length > 0) config.boundClaims = bound;
    const mappings = Object.fromEntries(pairs(o.claimMapping, '--claim-mapping'));
    if (Object.keys(mappings).length > 0) config.claimMappings = mappings;
  } else if (o.type !== 'api_key') {
    throw new CliError('--type must be api_key, kubernetes or jwt');
  }
  return config;
}

/** Config as shown in a table: short, one line. */
function summary(method: AuthMethodView): string {
  const c = method.config;
  if (method.type === 'kubernetes') {
    const parts = [c.kubeconfigPath ? `kubeconfig=${c.kubeconfigPath}` : `server=${c.server}`];
    if (Array.isArray(c.boundNamespaces)) parts.push(`namespaces=${c.boundNamespaces.join(',')}`);
    return parts.join(' ');
  }
  if (method.type === 'jwt')
    return [c.jwksUrl ? `jwks=${c.jwksUrl}` : 'jwks=static', c.issuer ? `iss=${c.issuer}` : ''].join(' ').trim();
  return '';
}

export function registerAuthMethodCommands(program: Command): void {
  const authMethod = program.command('auth-method').description('how identities log in (admin only)');

  addOutputOption(addProfileOption(authMethod.command('create')))
    .description('create an auth method; an api_key method prints its access key once')
    .argument('<name>', 'a name: lowercase letters, digits, ".", "_", "-"')
    .requiredOption('--type <type>', 'api_key, kubernetes or jwt')
    .option('--config <json>', 'the full config as a JSON object (see docs/store.md)')
    .option('--config-file <file>', 'the config as a JSON file')
    .option('--kubeconfig-path <path>', 'kubernetes: a kubeconfig on the store host allowed to create TokenReviews')
    .option('--kube-server <url>', 'kubernetes: the API server URL (with --kube-ca-file and --reviewer-token-file)')
    .option('--kube-ca-file <file>', "kubernetes: the API server's CA (PEM)")
    .option('--reviewer-token-file <file>', 'kubernetes: a token allowed to create TokenReviews (stored sealed)')
    .option('--bound-namespace <ns>', 'kubernetes: only this namespace may log in (repeatable)', collect)
    .option('--bound-service-account <name>', 'kubernetes: only this service account (repeatable)', collect)
    .option('--audience <aud>', 'kubernetes/jwt: an audience the token must carry (repeatable)', collect)
    .option('--jwks-url <url>', "jwt: the issuer's JWKS URL")
    .option('--jwks-file <file>', 'jwt: a static key set (JSON)')
    .option('--issuer <iss>', 'jwt: the required issuer')
    .option('--bound-claim <claim=value>', 'jwt: a claim must equal one of these values (repeatable)', collect)
    .option('--claim-mapping <identity=token>', 'jwt: copy a token claim into the identity (repeatable)', collect)
    .action(async (name: string, o: CreateOptions) => {
      const format = outputFormat(o.output);
      const config = buildConfig(o);
      const created = await adminCall<AuthMethodView & { accessKey?: string }>(
        session(o),
        'POST',
        '/v1/admin/auth-methods',
        { body: { name, type: o.type, config } },
      );
      if (format === 'json') {
        writeJson(created);
        return;
      }
      const fields: [string, unknown][] = [
        ['name', created.name],
        ['type', created.type],
        ['access id', created.accessId],
      ];
      if (created.accessKey) fields.push(['access key', created.accessKey]);
      writeFields(fields);
      if (created.accessKey) process.stderr.write('the access key is shown once; keep it in a secret manager\n');
    });

  addOutputOption(addProfileOption(authMethod.command('list')))
    .description('list auth methods (API key hashes and reviewer tokens are never shown)')
    .action(async (o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const { authMethods } = await adminCall<{ authMethods: AuthMethodView[] }>(
        session(o),
        'GET',
        '/v1/admin/auth-methods',
      );
      if (format === 'json') {
        writeJson({ authMethods });
        return;
      }
      writeTable(
        ['NAME', 'TYPE', 'ACCESS ID', 'CREATED', 'CONFIG'],
        authMethods.map((m) => [m.name, m.type, m.accessId, m.createdAt, summary(m)]),
      );
    });

  addOutputOption(addProfileOption(authMethod.command('delete')))
    .description('delete an auth method')
    .argument('<name-or-access-id>', 'the method to delete')
    .action(async (nameOrId: string, o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const target = session(o);
      const method = await findAuthMethod(target, nameOrId);
      await adminCall(target, 'DELETE', '/v1/admin/auth-methods', { query: { accessId: method.accessId } });
      if (format === 'json') writeJson({ name: method.name, accessId: method.accessId, deleted: true });
      else process.stdout.write(`deleted auth method ${method.name} (${method.accessId})\n`);
    });
}
