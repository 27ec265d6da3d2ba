// `custos store ...`: run the zero-knowledge store and administer it locally.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bootstrapStore, createStoreServer, verifyStoreAudit } from '../store/index.js';
import { type LogLevel, logLevels, parseLogLevel, serveLogger } from './log-level.js';
import { registerStoreBackupCommands } from './store-backup.js';

interface LocationOptions {
  dataDir: string;
  postgres?: string;
}

function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  if (!match) throw new Error(`--listen "${listen}" must be HOST:PORT, e.g. 127.0.0.1:8210 or [::]:8210`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`--listen port ${port} is above 65535`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function positiveInt(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, not "${value}"`);
    return n;
  };
}

function withLocation(command: Command): Command {
  return command
    .requiredOption('--data-dir <dir>', 'store data dir: store.db (SQLite) and root.key')
    .option('--postgres <url>', 'keep data in PostgreSQL (postgres://...) instead of SQLite in the data dir');
}

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('the zero-knowledge secret store (ciphertext, access, audit)');

  withLocation(store.command('serve'))
    .description('serve the store API (docs/store-protocol.md) until interrupted')
    .option('--listen <addr>', 'HOST:PORT to listen on', '127.0.0.1:8210')
    .option('--tls-cert <file>', 'TLS certificate (PEM); required unless listening on loopback')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--insecure-http', 'allow plain HTTP on a non-loopback address (never in production)', false)
    .option('--max-value-bytes <n>', 'largest secret value accepted', positiveInt('--max-value-bytes'), 1024 * 1024)
    .option('--token-ttl <seconds>', 'lifetime of login tokens', positiveInt('--token-ttl'), 900)
    .option('--log-level <level>', `log level on stderr: ${logLevels.join(', ')}`, parseLogLevel, 'info')
    .action(
      async (
        options: LocationOptions & {
          listen: string;
          tlsCert?: string;
          tlsKey?: string;
          insecureHttp: boolean;
          maxValueBytes: number;
          tokenTtl: number;
          logLevel: LogLevel;
        },
      ) => {
        if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new Error('give both --tls-cert and --tls-key');
        const { host, port } = parseListen(options.listen);
        const logger = serveLogger('custos-store', options.logLevel);
        const server = await createStoreServer({
          location: { dataDir: options.dataDir, postgresUrl: options.postgres },
          host,
          port,
          tls: options.tlsCert
            ? { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey!) }
            : undefined,
          allowInsecureHttp: options.insecureHttp,
          maxValueBytes: options.maxValueBytes,
          tokenTtlSeconds: options.tokenTtl,
          logger,
        });
        process.stdout.write(`${server.url}\n`);
        logger.info({ url: server.url, backend: server.context.storage.backend }, 'store listening');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        logger.info('store stopping');
        await server.close();
      },
    );

  withLocation(store.command('bootstrap'))
    .description('create the first admin API key and the gateway API key; prints them once')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options: LocationOptions & { output: string }) => {
      if (!['text', 'json'].includes(options.output)) throw new Error('-o must be text or json');
      const result = await bootstrapStore({ dataDir: options.dataDir, postgresUrl: options.postgres });
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(
          'Store bootstrapped. These keys are shown once; keep them in a secret manager.\n' +
            `admin    access id: ${result.admin.accessId}\n         access key: ${result.admin.accessKey}\n` +
            `gateway  access id: ${result.gateway.accessId}\n         access key: ${result.gateway.accessKey}\n`,
        );
      }
    });

  const audit = store.command('audit').description('the store audit log');
  withLocation(audit.command('verify'))
    .description('check the audit hash chain; exits 1 and names the first altered entry on tampering')
    .action(async (options: LocationOptions) => {
      const verdict = await verifyStoreAudit({ dataDir: options.dataDir, postgresUrl: options.postgres });
      if (verdict.ok) {
        process.stdout.write(`audit log intact: ${verdict.entries} entries, head ${verdict.headHash}\n`);
      } else {
        process.stdout.write(`audit log TAMPERED at entry ${verdict.firstBadSeq}: ${verdict.reason}\n`);
        process.exitCode = 1;
      }
    });

  registerStoreBackupCommands(store);
}
