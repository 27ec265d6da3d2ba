// The function map ESO v2.9 gives `target.template`: its own functions, then the vendored Sprig text functions
// (with dates and crypto helpers, minus env, expandenv and getHostByName) copied over them, so Sprig wins a name
// clash as in ESO (runtime/template/v2/template.go; no clash is known). parseTemplate uses it by default.

import type { FunctionMap } from './contract.js';
import { cryptoFunctions } from './crypto.js';
import { dateFunctions } from './dates.js';
import { esoFunctions } from './eso.js';
import { sprigFunctions } from './sprig.js';

export const defaultFunctions: FunctionMap = Object.freeze({
  ...esoFunctions,
  ...sprigFunctions,
  ...dateFunctions,
  ...cryptoFunctions,
});
