// `custos validate FILE|DIR|- ...`: checks ExternalSecret, SecretStore, PushSecret, generator ... manifests offline,
// as the API server (CRD schema, defaults, unknown fields) and ESO's admission webhook would, so a GitOps pipeline
// catches them before they reach a cluster. Documents of other API groups (Deployments, ...) are skipped.
//
// Exit codes: 0 = no errors (warnings allowed); 1 = at least one error; 2 = a file could not be read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { parseAllDocuments } from 'yaml';
import { ESO_GROUP, GENERATORS_GROUP } from '../api/index.js';
import { type DocumentResult, validateDocuments } from '../api/validate.js';
import { validateStoreForAdmission } from '../operator/webhook/admission.js';
import { defaultProviderRegistry } from '../providers/index.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The files to read: each given file, every manifest file below each given directory, or stdin for "-". */
function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      throw new Error(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (isDirectory) {
      for (const entry of readdirSync(path).sort()) {
        const child = join(path, entry);
        if (statSync(child).isDirectory() || MANIFEST_FILE.test(entry)) walk(child);
      }
    } else {
      files.push(path);
    }
  };
  for (const path of paths) {
    if (path === '-') files.push(path);
    else walk(path);
  }
  return files;
}

const ours = (apiVersion: string | undefined) => {
  const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
  return group === ESO_GROUP || group === GENERATORS_GROUP;
};

/**
 * Adds what the webhook checks in a store beyond its schema: the provider's own rules and ESO's warnings (an
 * unmaintained provider, a kubernetes store without CA, a provider Custos does not implement).
 */
function withStoreChecks(text: string, results: DocumentResult[]): DocumentResult[] {
  const documents = parseAllDocuments(text);
  const registry = defaultProviderRegistry();
  return results.map((result) => {
    const isStore = result.kind === 'SecretStore' || result.kind === 'ClusterSecretStore';
    if (!isStore || !ours(result.apiVersion) || result.issues.some((i) => i.severity === 'error')) return result;
    const object = documents[result.index]?.toJS() as Record<string, unknown>;
    const verdict = validateStoreForAdmission(object, registry);
    return {
      ...result,
      issues: [
        ...result.issues,
        ...verdict.errors.map((message) => ({ path: 'spec.provider', message, severity: 'error' as const })),
        ...verdict.warnings.map((message) => ({ path: 'spec.provider', message, severity: 'warning' as const })),
      ],
    };
  });
}

interface FileResult {
  file: string;
  documents: DocumentResult[];
  /** Documents of other API groups, not checked. */
  skipped: number;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check external-secrets.io manifests offline, as the API server and the admission webhook would')
    .argument('<paths...>', 'YAML/JSON files, directories (searched for *.yaml, *.yml, *.json) or - for stdin')
    .option('--strict', 'unknown fields are errors (as kubectl apply --validate=strict), not warnings', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((paths: string[], options: { strict: boolean; output: 'text' | 'json' }) => {
      let results: FileResult[];
      try {
        results = manifestFiles(paths).map((file) => {
          const text = readFileSync(file === '-' ? 0 : file, 'utf8');
          const all = withStoreChecks(
            text,
            validateDocuments(text, { unknownFields: options.strict ? 'strict' : 'warn' }),
          );
          // A document that does not parse, or has no apiVersion, might be one of ours: it is reported.
          const checked = all.filter((d) => d.apiVersion === undefined || ours(d.apiVersion));
          return { file: file === '-' ? '<stdin>' : file, documents: checked, skipped: all.length - checked.length };
        });
      } catch (error) {
        process.stderr.write(`custos validate: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const issues = results.flatMap((r) => r.documents.flatMap((d) => d.issues));
      const errors = issues.filter((i) => i.severity === 'error').length;
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        for (const result of results) {
          for (const document of result.documents) {
            const what = `${document.kind ?? '?'}/${document.name ?? '?'}`;
            for (const issue of document.issues) {
              const where = issue.path ? `${issue.path}: ` : '';
              process.stdout.write(
                `${result.file} (document ${document.index + 1}) ${what}: ${issue.severity}: ${where}${issue.message}\n`,
              );
            }
          }
        }
        const checked = results.reduce((n, r) => n + r.documents.length, 0);
        const skipped = results.reduce((n, r) => n + r.skipped, 0);
        process.stdout.write(
          `${checked} manifest(s) checked, ${errors} error(s), ${issues.length - errors} warning(s)` +
            (skipped > 0 ? `; ${skipped} of other API groups skipped\n` : '\n'),
        );
      }
      if (errors > 0) process.exitCode = 1;
    });
}
