// Paths into a generic target (templateFrom[].target such as `spec`, `spec.database` or `spec.items[0].name`) and
// the two ways a rendered value lands there: set (replace) and merge (maps merged key by key, the rest replaced).
// Pure; the errors name the path and never a value.

/** One step of a path: a map key or a list index. */
export type PathStep = string | number;

/** Indexes beyond this are refused (ESO's limit), so a typo cannot allocate a huge list. */
export const MAX_PATH_INDEX = 10_000;

/** Top-level fields a template may not write: identity, ownership and status stay with the operator. */
const PROTECTED_ROOTS = new Set(['apiVersion', 'kind', 'metadata', 'status']);

export class TargetPathError extends Error {
  override name = 'TargetPathError';
}

/** Parses `a.b[2].c`; refuses empty segments, bad indexes and protected roots, saying what to fix. */
export function parseTargetPath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  const bad = (why: string): never => {
    throw new TargetPathError(`templateFrom target "${path}" is not a valid path: ${why}`);
  };
  if (path.trim() === '') bad('it is empty');
  for (const segment of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!match) bad(`segment "${segment}" must be a name optionally followed by [index]`);
    const [, name = '', indexes = ''] = match as RegExpExecArray;
    if (name === '') bad('every segment needs a field name (e.g. spec.items[0])');
    if (name === '__proto__') bad('"__proto__" is not a field name');
    steps.push(name);
    for (const m of indexes.matchAll(/\[(\d+)\]/g)) {
      const index = Number(m[1]);
      if (index > MAX_PATH_INDEX) bad(`index ${index} is larger than ${MAX_PATH_INDEX}`);
      steps.push(index);
    }
  }
  if (PROTECTED_ROOTS.has(steps[0] as string)) {
    bad(`"${steps[0]}" is managed by the operator; use template.metadata for labels and annotations`);
  }
  return steps;
}

type Container = Record<string, unknown> | unknown[];

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks to the parent of the last step, creating maps and lists on the way. */
function parentOf(root: Record<string, unknown>, steps: PathStep[], path: string): Container {
  let current: Container = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i] as PathStep;
    const next = steps[i + 1] as PathStep;
    const fresh = (): Container => (typeof next === 'number' ? [] : Object.create(null));
    let child = readStep(current, step);
    const fits = typeof next === 'number' ? Array.isArray(child) : isMap(child);
    if (!fits) {
      if (child !== undefined && child !== null) {
        throw new TargetPathError(
          `templateFrom target "${path}": ${describe(steps.slice(0, i + 1))} holds a ${kindOf(child)}, not a ${typeof next === 'number' ? 'list' : 'map'}`,
        );
      }
      child = fresh();
      writeStep(current, step, child);
    }
    current = child as Container;
  }
  return current;
}

function readStep(container: Container, step: PathStep): unknown {
  if (Array.isArray(container)) return typeof step === 'number' ? container[step] : undefined;
  return typeof step === 'string' && Object.hasOwn(container, step) ? container[step] : undefined;
}

function writeStep(container: Container, step: PathStep, value: unknown): void {
  if (Array.isArray(container)) {
    const index = step as number;
    // Missing entries before the index become null, as a JSON list with a hole would.
    while (container.length < index) container.push(null);
    container[index] = value;
  } else {
    container[step as string] = value;
  }
}

/** Replaces whatever is at the path with value. */
export function setAtPath(root: Record<string, unknown>, steps: PathStep[], value: unknown, path: string): void {
  const parent = parentOf(root, steps, path);
  writeStep(parent, steps[steps.length - 1] as PathStep, value);
}

/** Merges value into what is at the path: maps key by key (recursively), anything else replaced. */
export function mergeAtPath(root: Record<string, unknown>, steps: PathStep[], value: unknown, path: string): void {
  const parent = parentOf(root, steps, path);
  const last = steps[steps.length - 1] as PathStep;
  writeStep(parent, last, deepMerge(readStep(parent, last), value));
}

export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isMap(base) || !isMap(overlay)) return overlay;
  // Null-prototype copy: a rendered key such as "__proto__" stays a plain key.
  const out: Record<string, unknown> = Object.assign(Object.create(null), base);
  for (const [key, value] of Object.entries(overlay)) out[key] = deepMerge(out[key], value);
  return out;
}

function describe(steps: PathStep[]): string {
  return steps.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (isMap(value)) return 'map';
  return typeof value;
}
