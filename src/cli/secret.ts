// `custos secret put|get|list|describe|delete|versions|rollback`: items through the gateway's native API. Values
// go only to stdout of `get`; every other command prints metadata, so its output is safe to paste anywhere.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, call } from './api-client.js';
import { addOutputOption, outputFormat, writeFields, writeJson, writeTable } from './output.js';
import { addProfileOption, session } from './session.js';

interface ItemVersion {
  version: number;
  createdAt: string;
}

interface ItemMeta {
  path: string;
  version: number;
  type: string;
  tags: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
  versions?: ItemVersion[];
}

interface ListPage {
  items: { path: string; version: number; type: string; tags: string[]; description: string; updatedAt: string }[];
  nextCursor?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function versionNumber(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${flag} must be a version number >= 1`);
    return Number(value);
  };
}

function decodeUtf8(bytes: Buffer, source: string): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new CliError(`${source} is not UTF-8 text; encode binary values (e.g. base64) before storing them`);
  }
  return text;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function valueFrom(o: { value?: string; fromFile?: string }): Promise<string> {
  if (o.value !== undefined && o.fromFile) throw new CliError('give --value or --from-file, not both');
  if (o.value !== undefined) return o.value;
  if (o.fromFile) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(o.fromFile);
    } catch (error) {
      throw new CliError(`cannot read --from-file ${o.fromFile} (${(error as NodeJS.ErrnoException).code})`);
    }
    return decodeUtf8(bytes, o.fromFile);
  }
  if (process.stdin.isTTY) throw new CliError('give the value with --value V, --from-file F, or on stdin');
  return decodeUtf8(await readStdin(), 'stdin');
}

function parseTags(tags: string[] | undefined): string[] | undefined {
  if (!tags) return undefined;
  for (const tag of tags) if (tag.trim() === '') throw new CliError('--tag must not be empty');
  return tags;
}

export function registerSecretCommands(program: Command): void {
  // `secret get --version N` must reach the subcommand, not the program's own -v/--version: program options
  // are then read only before the subcommand name (the usual CLI convention).
  program.enablePositionalOptions();
  const secret = program.command('secret').description('store and read secrets through the gateway');

  addOutputOption(addProfileOption(secret.command('put')))
    .description('create a secret, or add a new version to an existing one')
    .argument('<path>', 'absolute path, e.g. /mdapi/joplin/db/password')
    .option('--value <value>', 'the value (visible in the process list: prefer --from-file or stdin)')
    .option('--from-file <file>', 'read the value from this file (UTF-8, taken byte for byte)')
    .option('--description <text>', 'a description (not secret)')
    .option('--tag <tag>', 'a tag, e.g. team=payments (repeatable)', collect)
    .option('--create-only', 'fail if the secret exists already')
    .option(
      '--expected-version <n>',
      'fail unless the latest version is n (optimistic locking)',
      versionNumber('--expected-version'),
    )
    .action(
      async (
        path: string,
        o: {
          value?: string;
          fromFile?: string;
          description?: string;
          tag?: string[];
          createOnly?: boolean;
          expectedVersion?: number;
          profile?: string;
          output: string;
        },
      ) => {
        const format = outputFormat(o.output);
        const target = session(o);
        const value = await valueFrom(o);
        const result = await call<{ path: string; version: number; created: boolean }>(target, 'POST', '/v1/secrets', {
          body: {
            path,
            value,
            description: o.description,
            tags: parseTags(o.tag),
            mode: o.createOnly ? 'create' : undefined,
            expectedVersion: o.expectedVersion,
          },
        });
        if (format === 'json') writeJson(result);
        else
          process.stdout.write(
            `${result.created ? 'created' : 'updated'} ${result.path} (version ${result.version})\n`,
          );
      },
    );

  addOutputOption(addProfileOption(secret.command('get')))
    .description('print a secret value (the latest version, or --version N)')
    .argument('<path>', 'the secret path')
    .option('--version <n>', 'a specific version', versionNumber('--version'))
    .action(async (path: string, o: { version?: number; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const item = await call<ItemMeta & { value: string }>(session(o), 'GET', '/v1/secrets', {
        query: { path, version: o.version },
      });
      if (format === 'json') {
        writeJson(item);
        return;
      }
      // Byte for byte for scripts; a newline only for a person at a terminal.
      const newline = process.stdout.isTTY && !item.value.endsWith('\n') ? '\n' : '';
      process.stdout.write(`${item.value}${newline}`);
    });

  addOutputOption(addProfileOption(secret.command('list')))
    .description('list the secrets under a prefix that you may list (never their values)')
    .argument('[prefix]', 'a folder, e.g. /mdapi/joplin', '/')
    .option('--tag <tag>', 'only secrets with this tag')
    .action(async (prefix: string, o: { tag?: string; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const target = session(o);
      const items: ListPage['items'] = [];
      let cursor: string | undefined;
      do {
        const page = await call<ListPage>(target, 'GET', '/v1/secrets/list', {
          query: { prefix, tag: o.tag, cursor, limit: 500 },
        });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      if (format === 'json') {
        writeJson({ items });
        return;
      }
      if (items.length === 0) {
        process.stderr.write(`no secrets under ${prefix} that you may list\n`);
        return;
      }
      writeTable(
        ['PATH', 'VERSION', 'UPDATED', 'TAGS', 'DESCRIPTION'],
        items.map((i) => [i.path, i.version, i.updatedAt, i.tags.join(','), i.description]),
      );
    });

  addOutputOption(addProfileOption(secret.command('describe')))
    .description("show a secret's metadata (never its value)")
    .argument('<path>', 'the secret path')
    .action(async (path: string, o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const item = await call<ItemMeta>(session(o), 'GET', '/v1/secrets/describe', { query: { path } });
      if (format === 'json') {
        writeJson(item);
        return;
      }
      writeFields([
        ['path', item.path],
        ['version', item.version],
        ['type', item.type],
        ['tags', item.tags.join(', ')],
        ['description', item.description],
        ['created', item.createdAt],
        ['updated', item.updatedAt],
        ['versions', item.versions?.length ?? item.version],
      ]);
    });

  addOutputOption(addProfileOption(secret.command('versions')))
    .description('list the versions of a secret')
    .argument('<path>', 'the secret path')
    .action(async (path: string, o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const result = await call<{ path: string; version: number; versions: ItemVersion[] }>(
        session(o),
        'GET',
        '/v1/secrets/versions',
        { query: { path } },
      );
      if (format === 'json') {
        writeJson(result);
        return;
      }
      writeTable(
        ['VERSION', 'CREATED', 'LATEST'],
        result.versions.map((v) => [v.version, v.createdAt, v.version === result.version ? '*' : '']),
      );
    });

  addOutputOption(addProfileOption(secret.command('rollback')))
    .description('make an older version the latest again (adds a new version with its value)')
    .argument('<path>', 'the secret path')
    .requiredOption('--version <n>', 'the version whose value becomes the latest', versionNumber('--version'))
    .action(async (path: string, o: { version: number; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const result = await call<{ path: string; version: number; from: number }>(
        session(o),
        'POST',
        '/v1/secrets/rollback',
        { body: { path, version: o.version } },
      );
      if (format === 'json') writeJson(result);
      else
        process.stdout.write(
          `${result.path}: version ${result.version} now holds the value of version ${result.from}\n`,
        );
    });

  addOutputOption(addProfileOption(secret.command('delete')))
    .description('delete a secret and all its versions')
    .argument('<path>', 'the secret path')
    .action(async (path: string, o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      await call(session(o), 'DELETE', '/v1/secrets', { query: { path } });
      if (format === 'json') writeJson({ path, deleted: true });
      else process.stdout.write(`deleted ${path}\n`);
    });
}
