// Custos's TypeScript template engine (src/template) as the differential tests, the fuzzer and the benchmark use
// it: the default function map (Sprig + ESO's own) behind the `custos template eval` line handler.

import { defaultEvalEngine, type EvalEngine, evalLine } from '../../src/template/eval-line.js';
import type { TemplateRequest, TemplateResult } from './template-corpus.js';

export interface LoadedEngine extends EvalEngine {
  /** Names of the function maps in use (reported by the differential test). */
  loadedMaps: string[];
  missingMaps: string[];
}

/** Kept for the tests written before the engine existed: it always exists now. */
export function engineAvailable(): boolean {
  return true;
}

export async function loadEngine(): Promise<LoadedEngine | undefined> {
  return { ...defaultEvalEngine, loadedMaps: ['defaultFunctions'], missingMaps: [] };
}

/** Renders one protocol request with the TS engine through the `template eval` line handler. */
export async function renderWithEngine(engine: EvalEngine, request: TemplateRequest): Promise<TemplateResult> {
  return JSON.parse(evalLine(engine, JSON.stringify(request))) as TemplateResult;
}
