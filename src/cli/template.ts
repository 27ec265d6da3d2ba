// `custos template ...`: offline tools for ESO templates.
//   render  the Secret an ExternalSecret would produce from given provider data (like `esoctl template`), printed
//           as YAML with base64 `data`, as the API server stores it; nothing is read from a cluster.
//   eval    batch mode with plain Go semantics: one JSON request per stdin line, one JSON result per stdout line
//           (the protocol of tools/template-oracle, so answers compare directly with Go's).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import { applyTargetTemplate, type TargetTemplate, type TemplateSources } from '../template/eso-target.js';
import { defaultEvalEngine, evalLine } from '../template/eval-line.js';

/** Where the commands read and write; tests pass their own. */
export interface TemplateCliIo {
  stdin: Readable;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  setExitCode: (code: number) => void;
}

const processIo: TemplateCliIo = {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** A problem with the command's input files; the message says what to fix. */
export class TemplateInputError extends Error {
  override name = 'TemplateInputError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The single YAML or JSON document of a file (JSON is YAML); `what` names it in errors. */
function readDocument(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TemplateInputError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) {
    throw new TemplateInputError(`${what} ${path} must hold exactly one YAML or JSON document, found ${docs.length}`);
  }
  const doc = docs[0]!;
  if (doc.errors.length > 0) {
    throw new TemplateInputError(`${what} ${path} is not valid YAML/JSON: ${doc.errors[0]!.code}`);
  }
  return doc.toJS();
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new TemplateInputError(`${where} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new TemplateInputError(`${where}.${k} must be a string (quote it in YAML)`);
    out[k] = v;
  }
  return out;
}

export interface RenderInput {
  externalSecret: unknown;
  /** Provider data as the template sees it: key -> text. */
  data: Record<string, string>;
  configMaps?: unknown[];
  secrets?: unknown[];
}

/** Builds the Secret manifest an ExternalSecret would write; throws TemplateInputError or EsoTemplateError. */
export function renderSecretManifest(input: RenderInput): Obj {
  const es = input.externalSecret;
  if (!isObj(es) || !isObj(es['spec'])) throw new TemplateInputError('the ExternalSecret has no spec');
  if (es['kind'] !== undefined && es['kind'] !== 'ExternalSecret') {
    throw new TemplateInputError(`expected kind ExternalSecret, got ${String(es['kind'])}`);
  }
  const meta = isObj(es['metadata']) ? es['metadata'] : {};
  const target = isObj(es['spec']['target']) ? es['spec']['target'] : {};
  const template = isObj(target['template']) ? (target['template'] as TargetTemplate) : undefined;

  const sources: TemplateSources = { configMaps: {}, secrets: {} };
  for (const cm of input.configMaps ?? []) {
    if (!isObj(cm) || !isObj(cm['metadata']) || typeof cm['metadata']['name'] !== 'string') {
      throw new TemplateInputError('a --template-from-configmap file needs metadata.name');
    }
    const name = cm['metadata']['name'];
    sources.configMaps[name] = stringMap(cm['data'], `configmap ${name} data`);
  }
  for (const secret of input.secrets ?? []) {
    if (!isObj(secret) || !isObj(secret['metadata']) || typeof secret['metadata']['name'] !== 'string') {
      throw new TemplateInputError('a --template-from-secret file needs metadata.name');
    }
    const name = secret['metadata']['name'];
    const values: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(stringMap(secret['data'], `secret ${name} data`))) {
      values[k] = new Uint8Array(Buffer.from(v, 'base64'));
    }
    for (const [k, v] of Object.entries(stringMap(secret['stringData'], `secret ${name} stringData`))) {
      values[k] = new TextEncoder().encode(v);
    }
    sources.secrets[name] = values;
  }

  const providerData: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(input.data)) providerData[k] = new TextEncoder().encode(v);
  const parts = applyTargetTemplate(template, providerData, sources);

  // Without a template ESO copies the ExternalSecret's own labels and annotations to the Secret.
  const labels = template === undefined ? stringMap(meta['labels'], 'metadata.labels') : parts.labels;
  const annotations =
    template === undefined ? stringMap(meta['annotations'], 'metadata.annotations') : parts.annotations;
  const secretMeta: Obj = {
    name: typeof target['name'] === 'string' && target['name'] ? target['name'] : meta['name'],
  };
  if (typeof meta['namespace'] === 'string') secretMeta['namespace'] = meta['namespace'];
  if (Object.keys(labels).length > 0) secretMeta['labels'] = sortedObject(labels);
  if (Object.keys(annotations).length > 0) secretMeta['annotations'] = sortedObject(annotations);
  const finalizers = template?.metadata?.finalizers;
  if (Array.isArray(finalizers) && finalizers.length > 0) secretMeta['finalizers'] = finalizers;

  const manifest: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: secretMeta, type: parts.type ?? 'Opaque' };
  if (target['immutable'] === true) manifest['immutable'] = true;
  const data: Record<string, string> = {};
  for (const key of Object.keys(parts.data).sort()) data[key] = Buffer.from(parts.data[key]!).toString('base64');
  manifest['data'] = data;
  return manifest;
}

function sortedObject(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, map[k]!]),
  );
}

/** Reads --data: a JSON or YAML map of key -> string. */
export function readProviderData(path: string): Record<string, string> {
  return stringMap(readDocument(path, '--data file'), `--data file ${path}`);
}

/** Answers each stdin line in order (blank lines are skipped); resolves at end of input. */
export async function runEval(io: TemplateCliIo): Promise<void> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    io.stdout(`${evalLine(defaultEvalEngine, line)}\n`);
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerTemplateCommands(program: Command, io: TemplateCliIo = processIo): void {
  const template = program.command('template').description('render ESO templates offline');
  template
    .command('render')
    .description('print the Secret (YAML, base64 data) an ExternalSecret would produce from the given provider data')
    .requiredOption('--externalsecret <file>', 'the ExternalSecret manifest (YAML or JSON)')
    .requiredOption('--data <file>', 'provider data as a JSON or YAML map of key -> string')
    .option('--template-from-configmap <file>', 'a ConfigMap named by templateFrom (repeatable)', collect, [])
    .option('--template-from-secret <file>', 'a Secret named by templateFrom (repeatable)', collect, [])
    .action(
      (options: {
        externalsecret: string;
        data: string;
        templateFromConfigmap: string[];
        templateFromSecret: string[];
      }) => {
        try {
          const manifest = renderSecretManifest({
            externalSecret: readDocument(options.externalsecret, 'ExternalSecret'),
            data: readProviderData(options.data),
            configMaps: options.templateFromConfigmap.map((f) => readDocument(f, 'ConfigMap')),
            secrets: options.templateFromSecret.map((f) => readDocument(f, 'Secret')),
          });
          io.stdout(stringify(manifest, { lineWidth: 0 }));
        } catch (e) {
          io.stderr(`custos template render: ${(e as Error).message}\n`);
          io.setExitCode(1);
        }
      },
    );
  template
    .command('eval')
    .description(
      'batch mode with plain Go semantics: each stdin line {"template", "data", "missingkey"?, "leftDelim"?, ' +
        '"rightDelim"?} is answered by one stdout line {"output"} or {"error"}',
    )
    .action(async () => {
      await runEval(io);
    });
}
