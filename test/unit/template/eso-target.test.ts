// ESO's target.template semantics (eso.md 2.9 and 3): precedence, mergePolicy, templateFrom scopes and targets,
// metadata, privileged-template rejections, strictness, and errors that never carry a secret value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyTargetTemplate,
  EsoTemplateError,
  type RenderedSecretParts,
  type TargetTemplate,
  type TemplateSources,
} from '../../../src/template/eso-target.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
const noSources: TemplateSources = { configMaps: {}, secrets: {} };
const provider = { user: enc('admin'), pass: enc('s3cr3t-value') };

function texts(parts: RenderedSecretParts): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(parts.data).map(([k, v]) => [k, dec(v)]));
}

function errorOf(fn: () => unknown): EsoTemplateError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EsoTemplateError, `expected EsoTemplateError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('applyTargetTemplate', () => {
  it('copies provider data unchanged when there is no template', () => {
    const parts = applyTargetTemplate(undefined, provider, noSources);
    assert.deepEqual(texts(parts), { user: 'admin', pass: 's3cr3t-value' });
    assert.deepEqual(parts.labels, {});
    assert.deepEqual(parts.annotations, {});
    assert.equal(parts.type, undefined);
    parts.data['user']![0] = 0; // a copy, not the caller's bytes
    assert.equal(dec(provider.user), 'admin');
  });

  it('renders template.data with values as strings and keeps only templated keys (Replace)', () => {
    const parts = applyTargetTemplate(
      { data: { dsn: 'postgres://{{ .user }}:{{ .pass }}@db', kind: '{{ printf "%T" .user }}' } },
      provider,
      noSources,
    );
    assert.deepEqual(texts(parts), { dsn: 'postgres://admin:s3cr3t-value@db', kind: 'string' });
  });

  it('adds provider keys under templated ones with mergePolicy Merge', () => {
    const parts = applyTargetTemplate(
      { mergePolicy: 'Merge', data: { user: '{{ .user | upper }}' } },
      provider,
      noSources,
    );
    assert.deepEqual(texts(parts), { user: 'ADMIN', pass: 's3cr3t-value' });
  });

  it('keeps provider data when the template has only metadata or a type', () => {
    const parts = applyTargetTemplate(
      { type: 'kubernetes.io/basic-auth', metadata: { labels: { team: 'a-{{ .user }}' }, annotations: { note: 'x' } } },
      provider,
      noSources,
    );
    assert.deepEqual(texts(parts), { user: 'admin', pass: 's3cr3t-value' });
    assert.deepEqual(parts.labels, { team: 'a-admin' });
    assert.deepEqual(parts.annotations, { note: 'x' });
    assert.equal(parts.type, 'kubernetes.io/basic-auth');
  });

  it('applies templateFrom in order, template.data last; scopes Values and KeysAndValues', () => {
    const sources: TemplateSources = {
      configMaps: {
        tpl: { 'config.yaml': 'user={{ .user }}', 'kv.yaml': 'a: "{{ .user }}"\nb: from-cm\n' },
      },
      secrets: { stpl: { 'extra.yaml': enc('b: from-secret\nc: "{{ len .pass }}"') } },
    };
    const template: TargetTemplate = {
      templateFrom: [
        {
          configMap: {
            name: 'tpl',
            items: [{ key: 'config.yaml' }, { key: 'kv.yaml', templateAs: 'KeysAndValues' }],
          },
        },
        { secret: { name: 'stpl', items: [{ key: 'extra.yaml', templateAs: 'KeysAndValues' }] } },
        { literal: 'c: literal-{{ .user }}\nd: "4"' },
      ],
      data: { d: 'data-wins' },
    };
    const parts = applyTargetTemplate(template, provider, sources);
    assert.deepEqual(texts(parts), {
      'config.yaml': 'user=admin',
      a: 'admin',
      b: 'from-secret',
      c: 'literal-admin',
      d: 'data-wins',
    });
  });

  it('sends templateFrom to labels and annotations (target names are case-insensitive)', () => {
    const parts = applyTargetTemplate(
      {
        templateFrom: [
          { literal: 'app: "{{ .user }}"', target: 'Labels' },
          { literal: 'owner: team-{{ .user }}', target: 'annotations' as 'Annotations' },
        ],
        metadata: { labels: { app: 'metadata-wins' } },
      },
      provider,
      noSources,
    );
    assert.deepEqual(parts.labels, { app: 'metadata-wins' });
    assert.deepEqual(parts.annotations, { owner: 'team-admin' });
    assert.deepEqual(texts(parts), {});
  });

  it('decodes rendered templateFrom values (not keys) with valuesDecodingStrategy; template.data never', () => {
    const b64 = Buffer.from([0xff, 0x00, 0x41]).toString('base64'); // "/wBB"
    const url = Buffer.from([0xfb, 0xff]).toString('base64url'); // "-_8", padded below
    const parts = applyTargetTemplate(
      {
        templateFrom: [
          { literal: `a: "${b64}"`, valuesDecodingStrategy: 'Base64' },
          { literal: `b: "${url}="`, valuesDecodingStrategy: 'Base64URL' },
          { literal: `c: "${b64}"\nd: "not base64!"`, valuesDecodingStrategy: 'Auto' },
          { literal: `e: "${b64}"`, valuesDecodingStrategy: 'None' },
          { literal: 'lbl: "YWRtaW4="', target: 'Labels', valuesDecodingStrategy: 'Base64' },
        ],
        data: { f: b64 },
      },
      provider,
      noSources,
    );
    assert.deepEqual(parts.data['a'], Uint8Array.from([0xff, 0x00, 0x41]));
    assert.deepEqual(parts.data['b'], Uint8Array.from([0xfb, 0xff]));
    assert.deepEqual(parts.data['c'], Uint8Array.from([0xff, 0x00, 0x41]));
    assert.equal(dec(parts.data['d']), 'not base64!');
    assert.equal(dec(parts.data['e']), b64);
    assert.equal(dec(parts.data['f']), b64);
    assert.deepEqual(parts.labels, { lbl: 'admin' });
    const bad = errorOf(() =>
      applyTargetTemplate(
        { templateFrom: [{ literal: 'k: "{{ .pass }}"', valuesDecodingStrategy: 'Base64' }] },
        provider,
        noSources,
      ),
    );
    assert.match(
      bad.message,
      /^templateFrom\[0\] literal: failure decoding key "k": illegal base64 data at input byte \d+$/,
    );
    assert.match(
      errorOf(() =>
        applyTargetTemplate(
          { templateFrom: [{ literal: 'k: v', valuesDecodingStrategy: 'Hex' as 'None' }] },
          provider,
          noSources,
        ),
      ).message,
      /valuesDecodingStrategy "Hex" is not supported/,
    );
  });

  it('keeps binary provider bytes through a template', () => {
    const binary = Uint8Array.from([0xff, 0x00, 0x80, 0x41]);
    const parts = applyTargetTemplate(
      { data: { copy: '{{ .bin }}', b64: '{{ .bin | b64enc }}', len: '{{ len .bin }}' } },
      { bin: binary },
      noSources,
    );
    assert.deepEqual(parts.data['copy'], binary);
    assert.equal(dec(parts.data['b64']), Buffer.from(binary).toString('base64'));
    assert.equal(dec(parts.data['len']), '4');
  });

  it('is strict by default: a missing key fails naming the key, also through index', () => {
    const viaField = errorOf(() => applyTargetTemplate({ data: { k: '{{ .nope }}' } }, provider, noSources));
    assert.match(viaField.message, /^template\.data key "k": .*map has no entry for key "nope"/);
    const viaIndex = errorOf(() => applyTargetTemplate({ data: { k: '{{ index . "no-pe" }}' } }, provider, noSources));
    assert.match(viaIndex.message, /map has no entry for key "no-pe"/);
    const present = applyTargetTemplate(
      {
        data: {
          a: '{{ index . "user" }}',
          b: '{{ index (list 1 2 3) 1 }}',
          c: '{{ index (dict "x" (dict "y" "z")) "x" "y" }}',
        },
      },
      provider,
      noSources,
    );
    assert.deepEqual(texts(present), { a: 'admin', b: '2', c: 'z' });
    const nested = errorOf(() =>
      applyTargetTemplate({ data: { c: '{{ index (dict "x" (dict "y" "z")) "x" "q" }}' } }, provider, noSources),
    );
    assert.match(nested.message, /map has no entry for key "q"/);
    // ESO's own behaviour (index yields "") when strict is off; `.missing` still fails as in ESO.
    const lax = applyTargetTemplate({ data: { k: '[{{ index . "no-pe" }}]' } }, provider, noSources, { strict: false });
    assert.equal(dec(lax.data['k']), '[]');
    assert.throws(
      () => applyTargetTemplate({ data: { k: '{{ .nope }}' } }, provider, noSources, { strict: false }),
      EsoTemplateError,
    );
  });

  it('rejects engine v1, bad targets, bad scopes and bad merge policies with what to fix', () => {
    assert.match(
      errorOf(() => applyTargetTemplate({ engineVersion: 'v1', data: {} }, provider, noSources)).message,
      /unsupported template engine version "v1": only "v2"/,
    );
    assert.match(
      errorOf(() =>
        applyTargetTemplate({ templateFrom: [{ literal: 'a: b', target: 'spec.x' as 'Data' }] }, provider, noSources),
      ).message,
      /templateFrom target="spec.x" is not allowed when targeting a Secret/,
    );
    const sources: TemplateSources = { configMaps: { cm: { k: 'x' } }, secrets: {} };
    assert.match(
      errorOf(() =>
        applyTargetTemplate(
          { templateFrom: [{ configMap: { name: 'cm', items: [{ key: 'k', templateAs: 'Both' as 'Values' }] } }] },
          provider,
          sources,
        ),
      ).message,
      /unknown scope "Both": expected 'Values' or 'KeysAndValues'/,
    );
    assert.match(
      errorOf(() => applyTargetTemplate({ mergePolicy: 'Union' as 'Merge' }, provider, noSources)).message,
      /mergePolicy "Union"/,
    );
  });

  it('rejects the privileged templates ESO rejects', () => {
    const sat = 'kubernetes.io/service-account-token';
    assert.match(
      errorOf(() =>
        applyTargetTemplate(
          { type: sat, metadata: { annotations: { 'kubernetes.io/service-account.name': 'default' } } },
          provider,
          noSources,
        ),
      ).message,
      /with annotation "kubernetes.io\/service-account.name" is not allowed/,
    );
    assert.match(
      errorOf(() =>
        applyTargetTemplate(
          { type: sat, templateFrom: [{ literal: 'a: b', target: 'Annotations' }] },
          provider,
          noSources,
        ),
      ).message,
      /with templateFrom target="Annotations" is not allowed/,
    );
    assert.match(
      errorOf(() => applyTargetTemplate({ type: 'bootstrap.kubernetes.io/token' }, provider, noSources)).message,
      /template.type="bootstrap.kubernetes.io\/token" is not allowed/,
    );
    // A service-account-token Secret without those is fine.
    assert.equal(applyTargetTemplate({ type: sat }, provider, noSources).type, sat);
  });

  it('names a missing source object and a missing item', () => {
    const template: TargetTemplate = { templateFrom: [{ configMap: { name: 'gone', items: [{ key: 'k' }] } }] };
    assert.match(errorOf(() => applyTargetTemplate(template, provider, noSources)).message, /configMap "gone"/);
    const secretTpl: TargetTemplate = { templateFrom: [{ secret: { name: 'lost', items: [{ key: 'k' }] } }] };
    assert.match(errorOf(() => applyTargetTemplate(secretTpl, provider, noSources)).message, /secret "lost"/);
    const sources: TemplateSources = { configMaps: { gone: {} }, secrets: {} };
    assert.equal(
      errorOf(() => applyTargetTemplate(template, provider, sources)).message,
      'error in configmap gone: missing key k',
    );
  });

  it('rejects KeysAndValues output that is not a map of strings', () => {
    for (const literal of ['- a\n- b', 'n: 5', 'on: yes', 'a: [1]']) {
      const e = errorOf(() => applyTargetTemplate({ templateFrom: [{ literal }] }, provider, noSources));
      assert.match(e.message, /^templateFrom\[0\] literal: could not unmarshal template to 'map\[string\]\[\]byte'/);
    }
  });

  it('never puts a secret value in an error message', () => {
    const cases: TargetTemplate[] = [
      { data: { k: '{{ range .pass }}{{ end }}' } },
      { data: { k: '{{ .pass | mustToDate "2006" }}' } },
      { data: { k: '{{ fail .pass }}' } },
      { data: { k: '{{ .pass.field }}' } },
      { templateFrom: [{ literal: '{{ .pass }}: [' }] },
      { templateFrom: [{ literal: 'x: "{{ .pass }}' }] },
      { templateFrom: [{ literal: 'x: {{ .pass }}\ny: 5' }] },
    ];
    for (const template of cases) {
      const e = errorOf(() => applyTargetTemplate(template, provider, noSources));
      assert.ok(!e.message.includes('s3cr3t-value'), e.message);
    }
  });
});
