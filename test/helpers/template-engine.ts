// Loads Custos's TypeScript template engine (src/template) for the differential tests, defensively: the engine and
// each function map are picked up only if their files exist, so the proof side works before and while they land.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, type TemplateRequest, type TemplateResult } from './template-corpus.js';
import { type EvalEngine, evalLine } from './template-eval-line.js';

export const engineEntry = join(repoRoot, 'src', 'template', 'index.ts');

/** Function maps merged in ESO's order: ESO's own first, then Sprig (and its date/crypto parts) over them. */
const functionMaps = [
  ['eso.ts', 'esoFunctions'],
  ['sprig.ts', 'sprigFunctions'],
  ['dates.ts', 'dateFunctions'],
  ['crypto.ts', 'cryptoFunctions'],
] as const;

export interface LoadedEngine extends EvalEngine {
  /** Export names of the function maps that were found and merged. */
  loadedMaps: string[];
  missingMaps: string[];
}

export function engineAvailable(): boolean {
  return existsSync(engineEntry);
}

async function importFile(path: string): Promise<Record<string, unknown>> {
  const href = pathToFileURL(path).href;
  return (await import(href)) as Record<string, unknown>;
}

export async function loadEngine(): Promise<LoadedEngine | undefined> {
  if (!engineAvailable()) return undefined;
  // The oracle runs with time.Local = UTC; date functions of the TS engine use the process zone.
  process.env['TZ'] = 'UTC';
  const mod = await importFile(engineEntry);
  const renderTemplate = mod['renderTemplate'];
  const fromJsonData = mod['fromJsonData'];
  if (typeof renderTemplate !== 'function' || typeof fromJsonData !== 'function') {
    throw new Error('src/template/index.ts must export renderTemplate and fromJsonData');
  }
  const functions: Record<string, unknown> = Object.create(null);
  const loadedMaps: string[] = [];
  const missingMaps: string[] = [];
  for (const [file, exportName] of functionMaps) {
    const path = join(repoRoot, 'src', 'template', 'functions', file);
    const map = existsSync(path) ? (await importFile(path))[exportName] : undefined;
    if (typeof map === 'object' && map !== null) {
      Object.assign(functions, map);
      loadedMaps.push(exportName);
    } else missingMaps.push(exportName);
  }
  return {
    renderTemplate: renderTemplate as EvalEngine['renderTemplate'],
    fromJsonData: fromJsonData as EvalEngine['fromJsonData'],
    functions,
    loadedMaps,
    missingMaps,
  };
}

/** Renders one protocol request with the TS engine through the `template eval` line handler. */
export async function renderWithEngine(engine: EvalEngine, request: TemplateRequest): Promise<TemplateResult> {
  return JSON.parse(await evalLine(engine, JSON.stringify(request))) as TemplateResult;
}
