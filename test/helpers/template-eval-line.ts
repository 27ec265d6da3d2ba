// The `custos template eval` line handler now lives in src/template/eval-line.ts; the differential tests import it
// from here so the CLI and the proof share one path.

export { type EvalEngine, evalLine } from '../../src/template/eval-line.js';
