// Offline validation: what the CLI tells a user about a manifest before anything reaches a cluster.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  normalizeManifest,
  type ValidationIssue,
  validateDocuments,
  validateManifest,
} from '../../../src/api/validate.js';

const fixtures = join(import.meta.dirname, '../../fixtures');

function load(dir: string) {
  return readdirSync(join(fixtures, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => {
      const text = readFileSync(join(fixtures, dir, file), 'utf8');
      return { file, text, manifest: parse(text) as Record<string, unknown> };
    });
}

const errors = (issues: ValidationIssue[]) => issues.filter((i) => i.severity === 'error');

const someData = [{ secretKey: 'password', remoteRef: { key: '/app/password' } }];

function externalSecret(spec: Record<string, unknown>) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'app' },
    spec: { data: someData, ...spec },
  };
}

function store(spec: Record<string, unknown>, kind = 'SecretStore') {
  return { apiVersion: 'external-secrets.io/v1', kind, metadata: { name: 'store' }, spec };
}

describe('validateManifest', () => {
  it('finds no errors in any ESO manifest from the seeds', () => {
    const seeds = load('seeds');
    assert.ok(seeds.length >= 16);
    for (const { file, manifest } of seeds) {
      assert.deepEqual(errors(validateManifest(manifest)), [], file);
    }
  });

  it('warns about fields the API server would silently drop, and fails on them in strict mode', () => {
    const seed = load('seeds').find((s) => s.file === '004-5-externalsecret.yaml');
    assert.ok(seed);
    assert.deepEqual(validateManifest(seed.manifest), [
      {
        path: 'spec.target.type',
        message: 'unknown field "spec.target.type" (the API server drops it)',
        severity: 'warning',
      },
    ]);
    assert.equal(errors(validateManifest(seed.manifest, { unknownFields: 'strict' }))[0]?.path, 'spec.target.type');
    assert.deepEqual(validateManifest(seed.manifest, { unknownFields: 'ignore' }), []);
  });

  it('reports each invalid fixture at the path the API server names', () => {
    const invalid = load('invalid');
    assert.ok(invalid.length >= 4);
    for (const { file, text, manifest } of invalid) {
      const path = /^# expect-path: (.+)$/m.exec(text)?.[1];
      assert.ok(path, `${file} declares expect-path`);
      const paths = errors(validateManifest(manifest)).map((i) => i.path);
      assert.ok(paths.includes(path), `${file}: expected an error at ${path}, got ${JSON.stringify(paths)}`);
    }
  });

  it('explains a bad enum with the allowed values', () => {
    const issues = validateManifest(externalSecret({ target: { deletionPolicy: 'Keep' } }));
    assert.deepEqual(issues, [
      {
        path: 'spec.target.deletionPolicy',
        message: 'Unsupported value: "Keep": supported values: "Delete", "Merge", "Retain"',
        severity: 'error',
      },
    ]);
  });

  it('names the providers when a store has two', () => {
    const [issue] = validateManifest(store({ provider: { fake: { data: [] }, aws: { region: 'x' } } }));
    assert.equal(issue?.path, 'spec.provider');
    assert.match(issue?.message ?? '', /fake, aws/);
  });

  it('accepts a store refresh interval as seconds or a duration, and rejects garbage and negatives', () => {
    const withInterval = (refreshInterval: unknown) =>
      errors(validateManifest(store({ refreshInterval, provider: { fake: { data: [] } } })));
    assert.deepEqual(withInterval(300), []);
    assert.deepEqual(withInterval('5m'), []);
    assert.deepEqual(withInterval('1h30m'), []);
    assert.equal(withInterval('five minutes')[0]?.path, 'spec.refreshInterval');
    assert.equal(withInterval(-5)[0]?.path, 'spec.refreshInterval');
    assert.equal(withInterval(true)[0]?.message, 'Invalid value: true: must be an integer or a string');
  });

  it('rejects a malformed ExternalSecret refresh interval that ESO could not parse', () => {
    const [issue] = validateManifest(externalSecret({ refreshInterval: '1 hour' }));
    assert.equal(issue?.path, 'spec.refreshInterval');
    assert.match(issue?.message ?? '', /Go duration/);
    assert.deepEqual(validateManifest(externalSecret({ refreshInterval: '0' })), []);
  });

  it('checks ClusterSecretStore namespace conditions (DNS labels, compilable regexes)', () => {
    const issues = validateManifest(
      store(
        {
          conditions: [{ namespaces: ['team-a', 'Team_B'], namespaceRegexes: ['^team-(a|b$'] }],
          provider: { fake: { data: [] } },
        },
        'ClusterSecretStore',
      ),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['spec.conditions[0].namespaceRegexes', 'spec.conditions[0].namespaces[1]'],
    );
  });

  it("applies ESO's webhook rules for ExternalSecrets, with ESO's messages, which the CRD alone does not enforce", () => {
    const messages = (spec: Record<string, unknown>) => validateManifest(externalSecret(spec)).map((i) => i.message);
    assert.deepEqual(messages({ data: [] }), ['Invalid value: either data or dataFrom should be specified']);
    const notOwned =
      "Invalid value: deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner";
    for (const creationPolicy of ['Merge', 'None', 'CreateOrMerge']) {
      assert.deepEqual(messages({ target: { creationPolicy, deletionPolicy: 'Delete' } }), [notOwned]);
    }
    assert.deepEqual(messages({ target: { creationPolicy: 'None', deletionPolicy: 'Merge' } }), [
      'Invalid value: deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with',
    ]);
    assert.deepEqual(messages({ target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' } }), []);
    assert.deepEqual(messages({ data: [...someData, ...someData] }), [
      'Invalid value: duplicate secretKey found: password',
    ]);
    assert.deepEqual(messages({ data: [...someData, ...someData], target: { deletionPolicy: 'Delete' } }), []);
    assert.deepEqual(messages({ data: undefined, dataFrom: [{ extract: { key: 'a' }, find: { path: 'b' } }] }), [
      'Invalid value: extract, find, or generatorRef cannot be set at the same time',
    ]);
    assert.deepEqual(messages({ data: undefined, dataFrom: [{}] }), [
      'Invalid value: either extract, find, or sourceRef must be set to dataFrom',
    ]);
    assert.deepEqual(messages({ target: { template: { type: 'bootstrap.kubernetes.io/token' } } }), [
      'Invalid value: template.type="bootstrap.kubernetes.io/token" is not allowed',
    ]);
    assert.deepEqual(messages({ target: { template: { templateFrom: [{ target: 'type', literal: 'x' }] } } }), [
      'Invalid value: templateFrom target="type" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"',
    ]);
    // Several problems: each is reported, in ESO's order.
    assert.equal(messages({ data: [], target: { creationPolicy: 'None', deletionPolicy: 'Delete' } }).length, 2);
  });

  it('never echoes values of fields that may hold secrets', () => {
    const fake = store({ provider: { fake: { data: [{ key: 'db', value: ['hunter2-secret'] }] } } });
    const issues = validateManifest(fake);
    assert.deepEqual(
      issues.map((i) => [i.path, i.message]),
      [['spec.provider.fake.data[0].value', 'Invalid value: (value hidden): must be string']],
    );
    const templated = validateManifest(externalSecret({ target: { template: { data: { token: 42 } } } }));
    assert.equal(templated[0]?.path, 'spec.target.template.data.token');
    assert.doesNotMatch(JSON.stringify(templated), /42/);
    // Ordinary fields still show the offending value, which is what makes the message useful.
    assert.match(validateManifest(externalSecret({ refreshPolicy: 'Hourly' }))[0]?.message ?? '', /"Hourly"/);
  });

  it('evaluates the PushSecret CEL rules offline', () => {
    const push = (dataTo: unknown[]) => ({
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'p' },
      spec: { secretStoreRefs: [{ name: 's' }], selector: { secret: { name: 'src' } }, dataTo },
    });
    assert.deepEqual(validateManifest(push([{ storeRef: { name: 's' }, remoteKey: 'all' }])), []);
    assert.equal(validateManifest(push([{ storeRef: { kind: 'SecretStore' } }]))[0]?.path, 'spec.dataTo[0].storeRef');
    const both = validateManifest(
      push([{ storeRef: { name: 's' }, remoteKey: 'k', rewrite: [{ regexp: { source: 'a', target: 'b' } }] }]),
    );
    assert.deepEqual(
      both.map((i) => [i.path, i.message]),
      [['spec.dataTo[0]', 'Invalid value: remoteKey and rewrite are mutually exclusive']],
    );
  });

  it('validates metadata.name and says when a kind or version is not served', () => {
    const [bad] = validateManifest({ ...externalSecret({}), metadata: { name: 'My_App' } });
    assert.equal(bad?.path, 'metadata.name');
    const [unknownVersion] = validateManifest({ ...externalSecret({}), apiVersion: 'external-secrets.io/v2' });
    assert.match(unknownVersion?.message ?? '', /use apiVersion external-secrets\.io\/v1/);
    assert.deepEqual(validateManifest({ ...externalSecret({}), apiVersion: 'external-secrets.io/v1beta1' }), []);
  });

  it('applies defaults before checking required fields, as the API server does', () => {
    const password = {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'Password',
      metadata: { name: 'pw' },
      spec: { digits: 4 },
    };
    // length, noUpper and allowRepeat are required but defaulted, so an almost empty spec is fine.
    assert.deepEqual(validateManifest(password), []);
    assert.deepEqual(normalizeManifest(password).spec, {
      digits: 4,
      length: 24,
      noUpper: false,
      allowRepeat: false,
      encoding: 'raw',
    });
  });
});

describe('normalizeManifest', () => {
  it('fills ESO defaults and drops unknown fields, like the stored object', () => {
    const normal = normalizeManifest(externalSecret({ target: { name: 'x', type: 'kubernetes.io/tls' } }));
    assert.deepEqual(normal.spec, {
      data: someData,
      target: { name: 'x', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      refreshInterval: '1h0m0s',
    });
  });

  it('keeps unmodelled provider blocks untouched', () => {
    const aws = { service: 'ParameterStore', region: 'eu-west-1', anything: { deep: [1, { x: null }] } };
    assert.deepEqual(normalizeManifest(store({ provider: { aws } })).spec.provider, { aws });
  });
});

describe('validateDocuments', () => {
  it('validates each document of a multi-document file and reports YAML errors in place', () => {
    const text = [
      'apiVersion: external-secrets.io/v1',
      'kind: ExternalSecret',
      'metadata: {name: good}',
      'spec: {secretStoreRef: {name: s}, data: [{secretKey: a, remoteRef: {key: k}}]}',
      '---',
      'apiVersion: external-secrets.io/v1',
      'kind: SecretStore',
      'metadata: {name: bad}',
      'spec: {}',
      '---',
      'kind: [unclosed',
    ].join('\n');
    const results = validateDocuments(text);
    assert.deepEqual(
      results.slice(0, 2).map((r) => [r.index, r.kind, r.name, r.issues.map((i) => `${i.path}: ${i.message}`)]),
      [
        [0, 'ExternalSecret', 'good', []],
        [1, 'SecretStore', 'bad', ['spec.provider: Required value']],
      ],
    );
    assert.equal(results[2]?.index, 2);
    assert.equal(results[2]?.issues.length, 1);
    assert.match(results[2]?.issues[0]?.message ?? '', /^YAML: /);
  });
});
