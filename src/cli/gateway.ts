// `custos gateway serve` and `custos fragment init|unseal|status|rotate|rewrap|backup`: argument parsing and output only;
// the work is in src/gateway.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type Command, Option } from 'commander';
import { fragmentFilePath, initFragments } from '../gateway/crypto/admin.js';
import { readFragmentFile } from '../gateway/crypto/sealed-file.js';
import { combineShares, parseShare, readUnsealKeyFile } from '../gateway/crypto/unseal-key.js';
import { GatewayClient } from '../gateway/gateway-client.js';
import { rotateFragments } from '../gateway/rotation.js';
import { createGatewayServer, readPem } from '../gateway/server.js';
import { StoreClient } from '../gateway/store-client.js';
import { registerFragmentBackupCommands } from './fragment-backup.js';
import { type LogLevel, logLevels, parseLogLevel, serveLogger } from './log-level.js';

const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
};
const collect = (value: string, previous: string[] = []) => [...previous, value];
const onOff = (flag: string) => (value: string) => {
  if (['true', 'on', 'yes', '1'].includes(value)) return true;
  if (['false', 'off', 'no', '0'].includes(value)) return false;
  throw new Error(`${flag} must be true or false, got "${value}"`);
};

/** Where the commands read and write; tests pass their own. */
export interface GatewayCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin(): Readable & { isTTY?: boolean };
  /** Resolves when `gateway serve` should stop (default: SIGINT or SIGTERM). */
  stopSignal(): Promise<void>;
  setExitCode(code: number): void;
}

const processIo: GatewayCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: () => process.stdin,
  stopSignal: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Lines from stdin: piped input, or typed at a prompt (one share per line, empty line or EOF to stop). */
async function readLines(io: GatewayCliIo, prompt: string, max: number): Promise<string[]> {
  const input = io.stdin();
  const rl = createInterface({ input, terminal: false });
  if (input.isTTY) io.stderr(prompt);
  const lines: string[] = [];
  for await (const line of rl) {
    if (line.trim() === '') {
      if (input.isTTY) break;
      continue;
    }
    lines.push(line.trim().replace(/^share \d+:\s*/, ''));
    if (lines.length >= max) break;
  }
  rl.close();
  return lines;
}

async function unsealKeyFrom(
  io: GatewayCliIo,
  options: { unsealKeyFile?: string },
  configDir: string,
): Promise<Buffer> {
  if (options.unsealKeyFile) return readUnsealKeyFile(options.unsealKeyFile);
  const file = readFragmentFile(fragmentFilePath(configDir));
  if (file.seal.type !== 'shamir') throw new Error('this fragment file uses a key file: pass --unseal-key-file');
  const lines = await readLines(io, `enter ${file.seal.threshold} unseal shares, one per line:\n`, file.seal.threshold);
  if (lines.length < file.seal.threshold) {
    throw new Error(`got ${lines.length} shares on stdin; ${file.seal.threshold} are needed`);
  }
  return combineShares(lines.map(parseShare));
}

export function registerGatewayCommands(program: Command, io: GatewayCliIo = processIo): void {
  const gateway = program.command('gateway').description('the on-prem gateway: holds the customer fragment');
  gateway
    .command('serve')
    .description('serve the native and Akeyless-compatible APIs in front of a store')
    .requiredOption('--store <url>', 'the store base URL, e.g. https://store.example:8200')
    .requiredOption('--config-dir <dir>', 'directory with fragments.json (from `custos fragment init`)')
    .option('--store-ca <file>', 'PEM CA bundle to trust for the store')
    .option('--listen <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on', integer('--port'), 8300)
    .option('--tls-cert <file>', 'serving certificate (PEM); default: generated into <config-dir>/tls')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--tls-name <name>', 'extra DNS name or IP for a generated certificate (repeatable)', collect)
    .option('--insecure-http', 'serve plain HTTP (only behind a TLS-terminating proxy, or in tests)', false)
    .option('--unseal-key-file <file>', 'unseal at start with this key file (key-file seal)')
    .option('--max-value-bytes <n>', 'largest secret value accepted', integer('--max-value-bytes'), 1024 * 1024)
    .option('--log-level <level>', `log level on stderr: ${logLevels.join(', ')}`, parseLogLevel, 'info')
    .addOption(
      new Option(
        '--store-read-batching <bool>',
        'under load, send concurrent item reads of one caller to the store in one request (false: one request per read)',
      )
        .env('CUSTOS_GATEWAY_STORE_READ_BATCHING')
        .argParser(onOff('--store-read-batching'))
        .default(true),
    )
    .action(
      async (o: {
        store: string;
        configDir: string;
        storeCa?: string;
        listen: string;
        port: number;
        tlsCert?: string;
        tlsKey?: string;
        tlsName?: string[];
        insecureHttp: boolean;
        unsealKeyFile?: string;
        maxValueBytes: number;
        logLevel: LogLevel;
        storeReadBatching: boolean;
      }) => {
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new Error('give both --tls-cert and --tls-key, or neither');
        const logger = serveLogger('custos-gateway', o.logLevel, (line) => io.stderr(line));
        const server = await createGatewayServer({
          storeUrl: o.store,
          storeCaPem: o.storeCa ? readPem(o.storeCa, '--store-ca') : undefined,
          configDir: o.configDir,
          host: o.listen,
          port: o.port,
          tls:
            o.tlsCert && o.tlsKey
              ? { certPem: readPem(o.tlsCert, '--tls-cert'), keyPem: readPem(o.tlsKey, '--tls-key') }
              : undefined,
          tlsNames: o.tlsName,
          insecureHttp: o.insecureHttp,
          unsealKeyFile: o.unsealKeyFile,
          maxValueBytes: o.maxValueBytes,
          storeReadBatching: o.storeReadBatching,
          logger,
        });
        io.stdout(`${server.url}\n`);
        if (server.caPath) io.stderr(`gateway CA certificate (give it to clients): ${server.caPath}\n`);
        if (server.vault.status().sealed) {
          io.stderr(`the gateway is sealed: run \`custos fragment unseal --gateway ${server.url}\`\n`);
        }
        await io.stopSignal();
        logger.info('gateway stopping');
        await server.close();
      },
    );

  const fragment = program.command('fragment').description('the customer fragment: create, unseal, rotate');
  fragment
    .command('init')
    .description('create the customer fragment, sealed by a key file or by Shamir shares (printed once)')
    .requiredOption('--config-dir <dir>', 'the gateway config directory')
    .option('--key-file <file>', 'write the whole unseal key to this new file (one operator)')
    .option('--shares <n>', 'split the unseal key into this many shares', integer('--shares'))
    .option('--threshold <t>', 'shares needed to unseal', integer('--threshold'))
    .option('--generation <g>', "the store's current fragment generation", integer('--generation'), 1)
    .action(
      async (o: { configDir: string; keyFile?: string; shares?: number; threshold?: number; generation: number }) => {
        if (o.keyFile && (o.shares || o.threshold)) throw new Error('use --key-file or --shares/--threshold, not both');
        if (!o.keyFile && !(o.shares && o.threshold)) {
          throw new Error('choose a seal: --key-file <file>, or --shares <n> --threshold <t> (e.g. 5 and 3)');
        }
        const result = await initFragments(
          o.configDir,
          o.keyFile
            ? { type: 'key-file', keyFile: o.keyFile }
            : { type: 'shamir', shares: o.shares!, threshold: o.threshold! },
          o.generation,
        );
        io.stderr(`customer fragment (generation ${o.generation}) sealed in ${result.fragmentFile}\n`);
        if (result.shares) {
          io.stderr(
            `unseal shares (any ${o.threshold} of ${o.shares} unseal the gateway). They are shown ONCE and stored ` +
              'nowhere: give each to a different operator now.\n',
          );
          for (const [i, share] of result.shares.entries()) io.stdout(`share ${i + 1}: ${share}\n`);
        } else {
          io.stderr(`unseal key written to ${result.keyFile}; keep it away from backups of the store\n`);
        }
      },
    );

  fragment
    .command('unseal')
    .description('send unseal shares (read from stdin, one per line) to a running gateway')
    .requiredOption('--gateway <url>', 'the gateway URL')
    .option('--ca <file>', "the gateway's CA certificate (<config-dir>/tls/ca.crt)")
    .action(async (o: { gateway: string; ca?: string }) => {
      const client = new GatewayClient({ url: o.gateway, ca: o.ca ? readPem(o.ca, '--ca') : undefined });
      let status = await client.status();
      if (!status.sealed) {
        io.stderr('the gateway is already unsealed\n');
        return;
      }
      const threshold = status.seal.type === 'shamir' ? status.seal.threshold : 0;
      if (threshold === 0) throw new Error('this gateway uses a key file: restart it with --unseal-key-file');
      const lines = await readLines(io, `enter unseal shares (${threshold} needed), one per line:\n`, threshold);
      for (const line of lines) {
        status = await client.unseal(line);
        io.stderr(status.sealed ? `progress ${status.progress}/${threshold}\n` : 'unsealed\n');
        if (!status.sealed) return;
      }
      throw new Error(`still sealed (${status.progress}/${threshold} shares): run again with the remaining shares`);
    });

  fragment
    .command('status')
    .description('show whether a running gateway is sealed and which generations it holds')
    .requiredOption('--gateway <url>', 'the gateway URL')
    .option('--ca <file>', "the gateway's CA certificate")
    .action(async (o: { gateway: string; ca?: string }) => {
      const client = new GatewayClient({ url: o.gateway, ca: o.ca ? readPem(o.ca, '--ca') : undefined });
      io.stdout(`${JSON.stringify(await client.status(), null, 2)}\n`);
    });

  fragment
    .command('rotate')
    .description('start a new fragment generation in the store and the gateway (old generations stay readable)')
    .requiredOption('--config-dir <dir>', 'the gateway config directory')
    .requiredOption('--store <url>', 'the store base URL')
    .requiredOption('--access-id <id>', "the gateway's own store credential (role gateway)")
    .requiredOption('--access-key-file <file>', 'file holding the access key of --access-id')
    .option('--store-ca <file>', 'PEM CA bundle to trust for the store')
    .option('--unseal-key-file <file>', 'the unseal key file (otherwise shares are read from stdin)')
    .action(
      async (o: {
        configDir: string;
        store: string;
        accessId: string;
        accessKeyFile: string;
        storeCa?: string;
        unsealKeyFile?: string;
      }) => {
        const key = await unsealKeyFrom(io, o, o.configDir);
        const store = new StoreClient({ url: o.store, ca: o.storeCa ? readPem(o.storeCa, '--store-ca') : undefined });
        try {
          const accessKey = readFileSync(o.accessKeyFile, 'utf8').trim();
          const { token } = await store.login({ type: 'api_key', accessId: o.accessId, accessKey });
          const result = await rotateFragments(o.configDir, key, store, token);
          io.stderr(
            `generation ${result.generation} is now used for new writes (generations: ${result.generations.join(', ')}); ` +
              'a running gateway picks it up by itself. Move old versions with `custos fragment rewrap`.\n',
          );
        } finally {
          key.fill(0);
          store.close();
        }
      },
    );

  fragment
    .command('rewrap')
    .description('re-wrap the data keys of every version on an older generation (values are not decrypted)')
    .requiredOption('--gateway <url>', 'the gateway URL')
    .requiredOption('--access-id <id>', 'a store credential allowed to re-wrap (role gateway or admin)')
    .requiredOption('--access-key-file <file>', 'file holding the access key of --access-id')
    .option('--ca <file>', "the gateway's CA certificate")
    .action(async (o: { gateway: string; accessId: string; accessKeyFile: string; ca?: string }) => {
      const client = new GatewayClient({ url: o.gateway, ca: o.ca ? readPem(o.ca, '--ca') : undefined });
      const { token } = await client.login(o.accessId, readFileSync(o.accessKeyFile, 'utf8').trim());
      const result = await client.rewrap(token);
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      if (result.failures.length > 0) io.setExitCode(1);
    });

  registerFragmentBackupCommands(fragment, io);
}
