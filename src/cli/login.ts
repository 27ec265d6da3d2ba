// `custos login` / `custos logout`: exchange a credential for a short-lived token at the gateway and keep it in
// a 0600 profile; the access key itself is never written anywhere.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readEmbeddedCredentials, readEmbeddedEndpoint } from '../gateway/embedded.js';
import { CliError, call, targetOf } from './api-client.js';
import { defaultDevDataDir } from './dev.js';
import { loadProfile, removeProfile, saveProfile } from './profile.js';

interface LoginOptions {
  gateway?: string;
  ca?: string;
  accessId?: string;
  accessKey?: string;
  accessKeyFile?: string;
  type: string;
  jwtFile?: string;
  dev?: boolean;
  dataDir?: string;
  profile: string;
}

interface LoginAnswer {
  token: string;
  expiresAt: string;
  identity: { accessId: string };
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function loginBody(o: LoginOptions, accessId: string): Record<string, string> {
  if (o.type === 'api_key') {
    const accessKey =
      o.accessKey ?? (o.accessKeyFile ? readText(o.accessKeyFile, '--access-key-file').trim() : undefined);
    if (!accessKey) throw new CliError('give --access-key KEY or --access-key-file FILE (or use --dev)');
    return { type: 'api_key', accessId, accessKey };
  }
  if (o.type === 'kubernetes' || o.type === 'jwt') {
    if (!o.jwtFile) throw new CliError(`--type ${o.type} needs --jwt-file FILE (the token to present)`);
    return { type: o.type, accessId, jwt: readText(o.jwtFile, '--jwt-file').trim() };
  }
  throw new CliError('--type must be api_key, kubernetes or jwt');
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('log in to a gateway and save a short-lived token in ~/.config/custos/profiles.json (0600)')
    .option('--gateway <url>', 'the gateway URL, e.g. https://127.0.0.1:8300')
    .option('--ca <file>', "the gateway's CA certificate (custos dev: <data-dir>/gateway/tls/ca.crt)")
    .option('--access-id <id>', 'access id of the auth method (p-...)')
    .option('--access-key <key>', 'API key (prefer --access-key-file: command lines are visible to others)')
    .option('--access-key-file <file>', 'file holding the API key')
    .option('--type <type>', 'auth method type: api_key, kubernetes or jwt', 'api_key')
    .option('--jwt-file <file>', 'the ServiceAccount token or JWT to present (--type kubernetes or jwt)')
    .option('--dev', 'log in to the local `custos dev` with the admin credential it saved')
    .option('--data-dir <dir>', 'data dir of `custos dev` (with --dev)')
    .option('--profile <name>', 'save under this profile name', 'default')
    .action(async (o: LoginOptions) => {
      let gateway = o.gateway;
      let caPath = o.ca;
      let accessId = o.accessId;
      let body: Record<string, string>;
      if (o.dev) {
        const dataDir = resolve(o.dataDir ?? defaultDevDataDir());
        const endpoint = readEmbeddedEndpoint(dataDir);
        const { admin } = readEmbeddedCredentials(dataDir);
        gateway ??= endpoint.gatewayUrl;
        caPath ??= endpoint.caPath;
        accessId = admin.accessId;
        body = { type: 'api_key', accessId, accessKey: admin.accessKey };
      } else {
        if (!gateway) throw new CliError('give --gateway URL (or --dev for a local `custos dev`)');
        if (!accessId) throw new CliError('give --access-id ID (the p-... id of your auth method)');
        body = loginBody(o, accessId);
      }
      const caPem = caPath ? readText(caPath, '--ca') : undefined;
      const answer = await call<LoginAnswer>({ gateway, caPem }, 'POST', '/v1/auth/login', { body }).catch(
        (error: unknown) => {
          if (error instanceof CliError && error.status === 401) {
            throw new CliError(`login refused: the access id or key is wrong (${gateway})`, 401, error.code);
          }
          throw error;
        },
      );
      const path = saveProfile(o.profile, {
        gateway,
        caPem,
        token: answer.token,
        expiresAt: answer.expiresAt,
        accessId: answer.identity.accessId,
      });
      process.stderr.write(
        `logged in to ${gateway} as ${answer.identity.accessId}; token valid until ${answer.expiresAt} ` +
          `(profile "${o.profile}" in ${path})\n`,
      );
    });

  program
    .command('logout')
    .description('revoke the saved token and remove its profile')
    .option('--profile <name>', 'the profile to remove (default: the current one)')
    .action(async (o: { profile?: string }) => {
      const profile = loadProfile(o.profile);
      // Revoking is best effort: an expired token or a stopped gateway must not keep the profile around.
      await call(targetOf(profile), 'POST', '/v1/auth/logout', { body: {} }).catch(() => undefined);
      removeProfile(profile.name);
      process.stderr.write(`logged out (profile "${profile.name}" removed)\n`);
    });
}
