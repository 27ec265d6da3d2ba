// Differential: Custos's admission webhook against ESO v0.16.2's own validators (the code ESO's `webhook` command
// serves, run by tools/eso-oracle --validate) on the same ExternalSecrets and stores: allowed or not, the exact
// message, the warnings. Where ESO changed its rules after v0.16.2 (reference/eso.md section 6 is the contract),
// the case says so and checks Custos against the newer rule instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type ValidatedKind, validateForAdmission } from '../../../src/operator/webhook/admission.js';
import { defaultProviderRegistry } from '../../../src/providers/index.js';
import { build, skip } from './eso-differential-harness.js';

interface Answer {
  allowed: boolean;
  message?: string;
  warnings?: string[];
}

interface WebhookCase {
  name: string;
  kind: ValidatedKind;
  object: Record<string, unknown>;
  /** ESO after v0.16.2 answers differently; this is what Custos must answer. */
  newerEso?: Answer;
}

const data = [{ secretKey: 'a', remoteRef: { key: 'k' } }];
const CA = Buffer.from('a CA bundle').toString('base64');
const es = (name: string, spec: Record<string, unknown>, newerEso?: Answer): WebhookCase => ({
  name,
  kind: 'ExternalSecret',
  object: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'e', namespace: 'ns' },
    spec,
  },
  newerEso,
});
const store = (
  name: string,
  kind: 'SecretStore' | 'ClusterSecretStore',
  spec: Record<string, unknown>,
): WebhookCase => ({
  name,
  kind,
  object: {
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: { name: 'st', ...(kind === 'SecretStore' ? { namespace: 'ns' } : {}) },
    spec,
  },
});
const denied = (message: string): Answer => ({ allowed: false, message });

const CASES: WebhookCase[] = [
  es('good data', { data }),
  es('good dataFrom extract', { dataFrom: [{ extract: { key: 'k' } }] }),
  es('no data, no dataFrom', {}),
  es('Delete + Merge', { target: { creationPolicy: 'Merge', deletionPolicy: 'Delete' }, data }),
  es('Delete + None', { target: { creationPolicy: 'None', deletionPolicy: 'Delete' }, data }),
  es(
    'Delete + CreateOrMerge',
    { target: { creationPolicy: 'CreateOrMerge', deletionPolicy: 'Delete' }, data },
    denied(
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
    ),
  ),
  es('Merge + None', { target: { creationPolicy: 'None', deletionPolicy: 'Merge' }, data }),
  es('Delete + Owner', { target: { creationPolicy: 'Owner', deletionPolicy: 'Delete' }, data }),
  es('Delete + Orphan', { target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' }, data }),
  es('three problems at once', {
    target: { creationPolicy: 'None', deletionPolicy: 'Delete' },
    dataFrom: [{ extract: { key: 'a' }, find: { name: { regexp: '.*' } } }],
  }),
  es('dataFrom entry with nothing', { dataFrom: [{}] }),
  es('dataFrom extract + generator', {
    dataFrom: [
      {
        extract: { key: 'a' },
        sourceRef: {
          generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'p' },
        },
      },
    ],
  }),
  es('dataFrom sourceRef without a ref', { dataFrom: [{ sourceRef: {} }] }),
  es('dataFrom sourceRef.storeRef with find', {
    dataFrom: [{ find: { tags: { a: 'b' } }, sourceRef: { storeRef: { name: 'other' } } }],
  }),
  es('duplicate secretKey, Retain', {
    target: { deletionPolicy: 'Retain' },
    data: [...data, { secretKey: 'a', remoteRef: { key: 'k2' } }, ...data],
  }),
  es('duplicate secretKey, Delete', { target: { deletionPolicy: 'Delete' }, data: [...data, ...data] }),
  es(
    'bootstrap token template',
    { data, target: { template: { type: 'bootstrap.kubernetes.io/token' } } },
    denied('template.type="bootstrap.kubernetes.io/token" is not allowed'),
  ),
  es(
    'service-account token template bound by annotation',
    {
      data,
      target: {
        template: {
          type: 'kubernetes.io/service-account-token',
          metadata: { annotations: { 'kubernetes.io/service-account.name': 'admin' } },
        },
      },
    },
    denied(
      'template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed',
    ),
  ),
  es('service-account token template without binding', {
    data,
    target: { template: { type: 'kubernetes.io/service-account-token' } },
  }),
  es(
    'templateFrom writing the Secret type',
    { data, target: { template: { templateFrom: [{ target: 'type', literal: 'x' }] } } },
    denied(
      'templateFrom target="type" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"',
    ),
  ),
  es('templateFrom to Labels (any case)', {
    data,
    target: { template: { templateFrom: [{ target: 'labels', literal: 'a: b' }] } },
  }),

  store('fake, good', 'SecretStore', { provider: { fake: { data: [{ key: 'k', value: 'v' }] } } }),
  store('fake, empty key', 'SecretStore', { provider: { fake: { data: [{ key: '', value: 'v' }] } } }),
  store('fake, empty value', 'SecretStore', { provider: { fake: { data: [{ key: 'k', value: '' }] } } }),
  store('fake, two bad entries', 'SecretStore', {
    provider: {
      fake: {
        data: [
          { key: 'k', value: '' },
          { key: '', value: 'v' },
        ],
      },
    },
  }),
  store('no provider', 'SecretStore', { provider: {} }),
  store('two providers', 'SecretStore', { provider: { fake: { data: [] }, kubernetes: { remoteNamespace: 'x' } } }),
  store('bad namespace regexes', 'ClusterSecretStore', {
    provider: { fake: { data: [] } },
    conditions: [{ namespaceRegexes: ['^ok$', '^(a'] }, { namespaceRegexes: ['[z-a]'] }],
  }),
  store('good namespace regexes', 'ClusterSecretStore', {
    provider: { fake: { data: [] } },
    conditions: [{ namespaceRegexes: ['^team-.*$'] }],
  }),
  store('kubernetes, good', 'SecretStore', {
    provider: {
      kubernetes: {
        remoteNamespace: 'r',
        server: { url: 'https://k', caBundle: CA },
        auth: { serviceAccount: { name: 'sa' } },
      },
    },
  }),
  {
    ...store('kubernetes, no CA', 'SecretStore', {
      provider: {
        kubernetes: { remoteNamespace: 'r', server: { url: 'https://k' }, auth: { serviceAccount: { name: 'sa' } } },
      },
    }),
    newerEso: {
      allowed: true,
      warnings: ['No caBundle or caProvider specified; TLS connections will use system certificate roots.'],
    },
  },
  store('kubernetes, CAProvider namespace in a SecretStore', 'SecretStore', {
    provider: {
      kubernetes: {
        server: { caProvider: { type: 'ConfigMap', name: 'ca', key: 'ca.crt', namespace: 'other' } },
        auth: { serviceAccount: { name: 'sa' } },
      },
    },
  }),
  store('kubernetes, CAProvider without namespace in a ClusterSecretStore', 'ClusterSecretStore', {
    provider: {
      kubernetes: {
        server: { caProvider: { type: 'ConfigMap', name: 'ca', key: 'ca.crt' } },
        auth: { serviceAccount: { name: 'sa' } },
      },
    },
  }),
  store('kubernetes, token without key', 'SecretStore', {
    provider: { kubernetes: { server: { caBundle: CA }, auth: { token: { bearerToken: { name: 't' } } } } },
  }),
  store('kubernetes, token in another namespace', 'SecretStore', {
    provider: {
      kubernetes: {
        server: { caBundle: CA },
        auth: { token: { bearerToken: { name: 't', key: 'k', namespace: 'other' } } },
      },
    },
  }),
  store('kubernetes, ClusterSecretStore token without namespace', 'ClusterSecretStore', {
    provider: { kubernetes: { server: { caBundle: CA }, auth: { token: { bearerToken: { name: 't', key: 'k' } } } } },
  }),
  store('kubernetes, client cert without name, and a token without key', 'SecretStore', {
    provider: {
      kubernetes: {
        server: { caBundle: CA },
        auth: {
          cert: { clientCert: { key: 'k' }, clientKey: { name: 'n', key: 'k' } },
          token: { bearerToken: { name: 't' } },
        },
      },
    },
  }),
  store('kubernetes, service account in another namespace', 'SecretStore', {
    provider: {
      kubernetes: { server: { caBundle: CA }, auth: { serviceAccount: { name: 'sa', namespace: 'other' } } },
    },
  }),
  store('webhook, good', 'SecretStore', {
    provider: { webhook: { url: 'https://hook/{{ .remoteRef.key }}', result: { jsonPath: '$.value' } } },
  }),
];

/** ESO's answers, all cases in one run of the oracle. */
function esoAnswers(cases: WebhookCase[]): Answer[] {
  const input = cases.map((c) => JSON.stringify({ kind: c.kind, object: c.object })).join('\n');
  const run = spawnSync(build?.binary ?? '', ['--validate'], { input, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`eso-oracle --validate failed: ${run.stderr}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
}

function custosAnswer(c: WebhookCase): Answer {
  const verdict = validateForAdmission(c.kind, c.object, defaultProviderRegistry());
  return {
    allowed: verdict.errors.length === 0,
    ...(verdict.errors.length > 0 ? { message: verdict.errors.join('\n') } : {}),
    ...(verdict.warnings.length > 0 ? { warnings: verdict.warnings } : {}),
  };
}

describe(`differential: the admission webhook against ESO v0.16.2's validators`, { skip }, () => {
  it(`${CASES.length} ExternalSecrets and stores get the same answer, message and warnings`, () => {
    const eso = esoAnswers(CASES);
    assert.equal(eso.length, CASES.length);
    const differences: string[] = [];
    CASES.forEach((c, i) => {
      const custos = custosAnswer(c);
      const expected = c.newerEso ?? eso[i];
      if (JSON.stringify(custos) !== JSON.stringify(expected)) {
        differences.push(`${c.name}:\n  ESO    ${JSON.stringify(expected)}\n  Custos ${JSON.stringify(custos)}`);
      }
      if (c.newerEso) {
        // The version difference is real: v0.16.2 itself answers otherwise.
        assert.notDeepEqual(eso[i], c.newerEso, `${c.name}: ESO v0.16.2 answers as the newer ESO does`);
      }
    });
    assert.deepEqual(differences, [], differences.join('\n'));
  });
});
