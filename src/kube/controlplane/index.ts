// Starts a real, local Kubernetes control plane — etcd, kube-apiserver (RBAC on) and kube-controller-manager
// (garbage collector, namespace and service-account controllers) — on free 127.0.0.1 ports in a private
// temporary directory, and tears it down again. Used by the tests and by `custos dev cluster`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlaneBinaries, ensureControlPlaneBinaries } from './binaries.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { createControlPlanePki } from './pki.js';
import { freePort } from './ports.js';
import { type ManagedProcess, startProcess } from './process.js';

export { BinariesUnavailableError, ensureControlPlaneBinaries } from './binaries.js';

export interface ControlPlane {
  /** The temporary directory holding certificates, etcd data and logs. */
  dir: string;
  /** Path of the admin kubeconfig file (named `kubeconfig`). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  caPem: string;
  /** Stops every process this control plane started and removes its directory (unless keepDir). */
  stop(): Promise<void>;
}

export interface StartOptions {
  binaries?: ControlPlaneBinaries;
  /** Parent directory for the temp dir (default: the OS temp dir). */
  baseDir?: string;
  /** Start kube-controller-manager too (default true). */
  controllerManager?: boolean;
  /** Keep the directory on stop, e.g. to read logs. */
  keepDir?: boolean;
  /** How long to wait for readiness (default 90 s). */
  timeoutMs?: number;
  /** Further kube-apiserver flags, e.g. an admission plugin that real clusters turn on. */
  apiServerArgs?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(url: string, caPem?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? request : httpRequest)(url, { ca: caPem, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(
  what: string,
  deadline: number,
  processes: ManagedProcess[],
  probe: () => Promise<boolean>,
): Promise<void> {
  let delay = 50;
  while (Date.now() < deadline) {
    for (const p of processes) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        throw new Error(`${p.name} exited (${await p.exited}) while waiting for ${what}; see ${p.logFile}`);
      }
    }
    if (await probe().catch(() => false)) return;
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  throw new Error(`timed out waiting for ${what}; logs are in ${processes.map((p) => p.logFile).join(', ')}`);
}

export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const bins = options.binaries ?? (await ensureControlPlaneBinaries());
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'custos-cp-'));
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    // Reverse order: controllers first, etcd last, so nothing logs errors about a vanished backend.
    for (const p of [...processes].reverse()) await p.stop();
    if (!options.keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 90_000);
    const pki = await createControlPlanePki();
    const files = {
      ca: join(dir, 'ca.crt'),
      apiCert: join(dir, 'apiserver.crt'),
      apiKey: join(dir, 'apiserver.key'),
      saPub: join(dir, 'sa.pub'),
      saKey: join(dir, 'sa.key'),
      kubeconfig: join(dir, 'kubeconfig'),
      kcmKubeconfig: join(dir, 'controller-manager.kubeconfig'),
    };
    await writeFile(files.ca, pki.ca.certPem);
    await writeFile(files.apiCert, pki.apiServer.certPem);
    await writeFile(files.apiKey, pki.apiServer.keyPem, { mode: 0o600 });
    await writeFile(files.saPub, pki.serviceAccount.publicKeyPem);
    await writeFile(files.saKey, pki.serviceAccount.privateKeyPem, { mode: 0o600 });

    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;

    const etcd = startProcess(
      'etcd',
      bins.etcd,
      [
        '--name=custos',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=custos=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
    );
    processes.push(etcd);
    await waitFor('etcd', deadline, processes, async () => (await get(`${etcdUrl}/health`)).status === 200);

    const apiserver = startProcess(
      'kube-apiserver',
      bins.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        `--secure-port=${apiPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${files.apiCert}`,
        `--tls-private-key-file=${files.apiKey}`,
        `--client-ca-file=${files.ca}`,
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
        '--v=1',
        ...(options.apiServerArgs ?? []),
      ],
      join(dir, 'kube-apiserver.log'),
    );
    processes.push(apiserver);
    await waitFor('kube-apiserver /readyz', deadline, processes, async () => {
      const res = await get(`${server}/readyz`, pki.ca.certPem);
      return res.status === 200;
    });

    await writeFile(
      files.kubeconfig,
      kubeconfigYaml({ server, caPem: pki.ca.certPem, ...certOf(pki.admin), user: 'custos-admin' }),
      { mode: 0o600 },
    );

    if (options.controllerManager !== false) {
      await writeFile(
        files.kcmKubeconfig,
        kubeconfigYaml({ server, caPem: pki.ca.certPem, ...certOf(pki.controllerManager), user: 'kcm' }),
        { mode: 0o600 },
      );
      const kcm = startProcess(
        'kube-controller-manager',
        bins.kubeControllerManager,
        [
          `--kubeconfig=${files.kcmKubeconfig}`,
          '--controllers=garbagecollector,namespace,serviceaccount,root-ca-cert-publisher',
          `--root-ca-file=${files.ca}`,
          '--leader-elect=false',
          '--secure-port=0',
          '--use-service-account-credentials=false',
          '--concurrent-gc-syncs=5',
          '--v=1',
        ],
        join(dir, 'kube-controller-manager.log'),
      );
      processes.push(kcm);
    }
    return { dir, kubeconfigPath: files.kubeconfig, server, caPem: pki.ca.certPem, stop };
  } catch (error) {
    // Keep the directory: its logs say why the start failed.
    for (const p of [...processes].reverse()) await p.stop().catch(() => undefined);
    throw error;
  }
}

function certOf(pair: { certPem: string; keyPem: string }) {
  return { certPem: pair.certPem, keyPem: pair.keyPem };
}
