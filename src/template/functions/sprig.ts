// The Sprig v3.3 text function map as ESO vendors it, minus env, expandenv and getHostByName (which would reach
// the environment and the network). Dates and crypto helpers live in their own map, merged by the engine.
//
// Every function was checked against Go 1.26 + Sprig v3.3.0 (test/unit/template/functions-*.test.ts). Known,
// deliberate differences:
// - keys and values return map keys in sorted order; Go's order is random, so sorted is one of Go's outcomes.
// - Go strings may hold invalid UTF-8 (substr/trunc cutting a rune, b64dec/b32dec/hexdec of binary data). Such
//   bytes are carried as U+DC80..U+DCFF (crypto-bytes.ts) and survive; only functions that walk runes other than
//   case mapping see one such character per byte where Go sees U+FFFD.
// - repeat, indent, until/untilStep/seq and the random strings refuse results beyond MAX_BUILT_SIZE (64 Mi
//   characters) or MAX_RANGE_LENGTH (10 M elements) with an error, where Go would try to allocate them.

import type { FunctionMap } from './contract.js';
import { conversionFunctions } from './conversion.js';
import { dictFunctions } from './dicts.js';
import { encodingFunctions } from './encoding.js';
import { listFunctions } from './lists.js';
import { mathFunctions } from './math.js';
import { pathFunctions } from './paths.js';
import { randomFunctions } from './random.js';
import { reflectFunctions } from './reflect.js';
import { regexFunctions } from './regex.js';
import { semverFunctions } from './semver.js';
import { stringFunctions } from './strings.js';
import { urlFunctions } from './url.js';

export const sprigFunctions: FunctionMap = Object.freeze({
  ...stringFunctions,
  ...conversionFunctions,
  ...listFunctions,
  ...dictFunctions,
  ...mathFunctions,
  ...reflectFunctions,
  ...encodingFunctions,
  ...regexFunctions,
  ...pathFunctions,
  ...semverFunctions,
  ...urlFunctions,
  ...randomFunctions,
});
