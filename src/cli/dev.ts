// `custos dev`: the embedded store + gateway on a local data dir; `custos dev cluster`: a local control plane.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { startEmbedded } from '../gateway/embedded.js';
import { startControlPlane } from '../kube/controlplane/index.js';
import { logLevels, parseLogLevel } from './log-level.js';

/** $XDG_DATA_HOME/custos/dev, or ~/.local/share/custos/dev. */
export function defaultDevDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'custos', 'dev');
}

interface DevOptions {
  dataDir?: string;
  listen: string;
  port: string;
  tlsName?: string[];
  tokenTtl: string;
  logLevel: string;
}

async function runDev(options: DevOptions): Promise<void> {
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65535) throw new Error(`--port must be 0-65535, not "${options.port}"`);
  const tokenTtl = Number(options.tokenTtl);
  if (!/^\d+$/.test(options.tokenTtl) || tokenTtl < 60) throw new Error('--token-ttl must be at least 60 seconds');
  parseLogLevel(options.logLevel);
  const dataDir = resolve(options.dataDir ?? defaultDevDataDir());
  const started = performance.now();
  const server = await startEmbedded({
    dataDir,
    host: options.listen,
    port,
    tlsNames: options.tlsName,
    tokenTtlSeconds: tokenTtl,
    logger: options.logLevel === 'silent' ? false : pino({ level: options.logLevel }, pino.destination(2)),
  });
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${server.gatewayUrl}\n`);
  const lines = [
    `custos dev ready in ${ms} ms (store + gateway, SQLite, data in ${dataDir})`,
    `  gateway:  ${server.gatewayUrl}`,
    `  CA:       ${server.caPath}`,
  ];
  if (server.created) {
    lines.push(
      '  first start: an admin credential was created. It is shown once here and saved (0600) in',
      `  ${server.credentialsPath}:`,
      `    access id:  ${server.created.admin.accessId}`,
      `    access key: ${server.created.admin.accessKey}`,
    );
  } else {
    lines.push(`  admin credential: ${server.credentialsPath} (0600)`);
  }
  const dirFlag = options.dataDir ? ` --data-dir ${dataDir}` : '';
  lines.push(
    `  log in:   custos login --dev${dirFlag}`,
    `            (or: custos login --gateway ${server.gatewayUrl} --ca ${server.caPath} --access-id ID --access-key KEY)`,
    'press Ctrl-C to stop',
  );
  process.stderr.write(`${lines.join('\n')}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.stderr.write('custos dev stopping\n');
  await server.close();
  process.stderr.write('custos dev stopped\n');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerDevCommands(program: Command): void {
  const dev = program
    .command('dev')
    .description('run store + gateway in one process on a local data dir (subcommand cluster: a control plane)')
    .option('--data-dir <dir>', 'where the dev instance keeps its data (default: ~/.local/share/custos/dev)')
    .option('--listen <host>', 'address the gateway listens on', '127.0.0.1')
    .option('--port <n>', 'gateway port (0 picks a free one)', '8300')
    .option('--tls-name <name>', 'extra DNS name or IP for the generated certificate (repeatable)', collect)
    .option('--token-ttl <seconds>', 'lifetime of login tokens', '28800')
    .option('--log-level <level>', `log level on stderr: ${logLevels.join(', ')}`, 'warn')
    .action(runDev);
  dev
    .command('cluster')
    .description(
      'start a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) until interrupted',
    )
    .option('--dir <path>', 'parent directory for the control plane files (default: the system temp dir)')
    .option('--keep', 'keep the control plane directory (certificates, etcd data, logs) after exit', false)
    .option('--no-crds', 'do not install the external-secrets.io CRDs')
    .action(async (options: { dir?: string; keep: boolean; crds: boolean }) => {
      // Signals are caught from the start: one during start-up exits at once, and the control plane's exit hook
      // (src/kube/controlplane/process.ts) kills etcd and the API server it had already started.
      let plane: Awaited<ReturnType<typeof startControlPlane>> | undefined;
      let requestStop!: () => void;
      const stopRequested = new Promise<void>((resolve) => {
        requestStop = resolve;
      });
      const onSignal = () => {
        if (plane) return requestStop();
        process.stderr.write('interrupted while starting: stopping what was started\n');
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.stderr.write(
        'starting a local control plane (the first run builds it from Go modules: several minutes)\n',
      );
      plane = await startControlPlane({ baseDir: options.dir, keepDir: options.keep });
      const running = plane;
      if (options.crds) {
        // Loaded here, not at the top: main.ts imports this module for every command, `custos operator` included.
        const { KubeConfig } = await import('@kubernetes/client-node');
        const { installCrds } = await import('../api/install.js');
        const kc = new KubeConfig();
        kc.loadFromFile(running.kubeconfigPath);
        const names = await installCrds(kc).catch(async (error: unknown) => {
          await running.stop();
          throw error;
        });
        process.stderr.write(`installed ${names.length} external-secrets.io CRDs\n`);
      }
      process.stdout.write(`${running.kubeconfigPath}\n`);
      process.stderr.write(
        `control plane ready at ${running.server}\n` +
          `  export KUBECONFIG=${running.kubeconfigPath}\n` +
          'press Ctrl-C to stop it and clean up\n',
      );
      await stopRequested;
      process.stderr.write('stopping the control plane\n');
      await running.stop();
    });
}
