// The operator a benchmark mode names, watching one namespace: the real ESO (mode "eso", tools/eso-oracle) or Custos
// in-process (any other mode, used as its controller class). Benchmarks that compare the two run the same workload
// under each in turn.
import type { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { startOperator } from '../../src/operator/index.js';
import { type EsoBuild, esoVersion, startEso } from '../../test/helpers/eso-oracle.js';

export interface ModeOperator {
  /** "External Secrets Operator v0.16.2" for ESO, undefined for Custos. */
  label?: string;
  /** Throws when ESO's process has exited (Custos runs in-process). */
  assertRunning(): void;
  stop(): Promise<void>;
}

export async function startModeOperator(options: {
  mode: string;
  esoBuild?: EsoBuild;
  kubeconfigPath: string;
  kc: KubeConfig;
  namespace: string;
  concurrency: number;
}): Promise<ModeOperator> {
  const { mode, esoBuild, kc, namespace, concurrency } = options;
  if (mode === 'eso' && esoBuild) {
    const eso = await startEso(esoBuild, {
      kubeconfigPath: options.kubeconfigPath,
      kc,
      controllerClass: mode,
      concurrent: concurrency,
      namespace,
      clusterScoped: false,
    });
    return {
      label: `External Secrets Operator ${esoVersion}`,
      assertRunning: () => eso.assertRunning(),
      stop: () => eso.stop(),
    };
  }
  const op = await startOperator({
    kubeConfig: kc,
    logger: pino({ level: 'error' }, pino.destination(2)),
    namespace,
    concurrency,
    controllerClass: mode,
  });
  return {
    assertRunning: () => undefined,
    stop: async () => {
      await op.stop();
    },
  };
}
