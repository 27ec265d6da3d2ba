// ESO's common provider cases (e2e/suites/provider/cases/common, reference eso.md section 7) as data: the remote
// values of the fake store, each case's ExternalSecret spec and the exact Secret ESO's e2e suite expects. Used by
// eso-cases.test.ts (Custos against the expectations) and eso-differential.test.ts (Custos against the real ESO).
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { Resources } from '../../../src/kube/index.js';
import type { Harness } from './harness.js';

export interface Expected {
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: Record<string, string>;
}

const dockerConfig = '{"auths":{"https://index.docker.io/v1/":{"auth":"c3R...zE2"}}}';
const sshKey =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';

export const remote = [
  { key: 'plain-one', value: 'value-one' },
  { key: 'plain-two', value: 'value-two' },
  { key: 'json', value: '{"one":"eins","two":"zwei"}' },
  {
    key: 'nested',
    value:
      '{"db":{"host":"h","port":5432},"name":{"first":"Tom","last":"Anderson"},"friends":[{"first":"Dale"},{"first":"Roger"}]}',
  },
  { key: 'docker', value: JSON.stringify({ dockerconfig: dockerConfig }) },
  { key: 'ssh-whole', value: sshKey },
  { key: 'ssh-prop', value: JSON.stringify({ ssh: sshKey }) },
  { key: 'b64', value: JSON.stringify({ enc: Buffer.from('decoded!').toString('base64'), plain: 'cGxhaW4=' }) },
  { key: 'find-a1', value: 'A1' },
  { key: 'find-a2', value: 'A2' },
  { key: 'other', value: 'O' },
];

export const cases: Array<{
  name: string;
  spec: (store: string) => ExternalSecretSpec;
  expected: Expected;
  setup?: (h: Harness, ns: string) => Promise<void>;
  /** Leave spec.target out (ESO's *WithoutTargetName cases); otherwise the target is named `target-<case>`. */
  withoutTargetName?: boolean;
}> = [
  {
    name: 'simple-data-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'plain-one' } },
        { secretKey: 'two', remoteRef: { key: 'plain-two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'value-one', two: 'value-two' } },
  },
  {
    name: 'json-data-with-property',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    // ESO's JSONDataWithoutTargetName: no target at all, so the Secret is named after the ExternalSecret.
    name: 'json-data-without-target-name',
    withoutTargetName: true,
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    name: 'json-data-with-template',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          metadata: { labels: { 'example-label': '{{ .one }}-label' }, annotations: { 'example-annotation': 'ann' } },
          data: { config: 'executed: {{ .one }}|{{ .two }}' },
        },
      },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: {
      type: 'Opaque',
      labels: { 'example-label': 'eins-label' },
      annotations: { 'example-annotation': 'ann' },
      data: { config: 'executed: eins|zwei' },
    },
  },
  {
    name: 'json-data-with-template-from-literal',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: { template: { templateFrom: [{ literal: 'executed-{{ .one }}: {{ .two }}' }] } },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { 'executed-eins': 'zwei' } },
  },
  {
    name: 'template-from-configmaps',
    setup: async (h, ns) => {
      await h.client.create(Resources.configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tpl', namespace: ns },
        data: { values: 'value: {{ .one }}', kv: '{{ .one }}: {{ .two }}' },
      });
    },
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          templateFrom: [
            {
              configMap: {
                name: 'tpl',
                items: [{ key: 'values' }, { key: 'kv', templateAs: 'KeysAndValues' }],
              },
            },
          ],
        },
      },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { values: 'value: eins', eins: 'zwei' } },
  },
  {
    name: 'json-data-from-sync',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ extract: { key: 'json' } }] }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    name: 'json-data-from-extract-property',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ extract: { key: 'nested', property: 'db' } }] }),
    expected: { type: 'Opaque', data: { host: 'h', port: '5432' } },
  },
  {
    name: 'json-data-from-rewrite',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [{ extract: { key: 'json' }, rewrite: [{ regexp: { source: '(.*)', target: 'my_$1' } }] }],
    }),
    expected: { type: 'Opaque', data: { my_one: 'eins', my_two: 'zwei' } },
  },
  {
    name: 'nested-json-with-gjson',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'first', remoteRef: { key: 'nested', property: 'name.first' } },
        { secretKey: 'friend', remoteRef: { key: 'nested', property: 'friends.1.first' } },
      ],
    }),
    expected: { type: 'Opaque', data: { first: 'Tom', friend: 'Roger' } },
  },
  {
    name: 'docker-json-config',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: { template: { data: { '.dockerconfigjson': '{{ .mysecret | toString }}' } } },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'docker', property: 'dockerconfig' } }],
    }),
    expected: { type: 'Opaque', data: { '.dockerconfigjson': dockerConfig } },
  },
  {
    name: 'data-property-dockerconfigjson',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': '{{ .dockerconfig | toString }}' },
        },
      },
      data: [{ secretKey: 'dockerconfig', remoteRef: { key: 'docker', property: 'dockerconfig' } }],
    }),
    expected: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig } },
  },
  {
    name: 'ssh-key-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '{{ .mysecret | toString }}' } },
      },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'ssh-whole' } }],
    }),
    expected: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': sshKey } },
  },
  {
    name: 'ssh-key-sync-data-property',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '{{ .mysecret | toString }}' } },
      },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'ssh-prop', property: 'ssh' } }],
    }),
    expected: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': sshKey } },
  },
  {
    name: 'decoding-policy-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [{ extract: { key: 'b64', decodingStrategy: 'Auto' } }],
      data: [
        { secretKey: 'b64', remoteRef: { key: 'b64', property: 'enc', decodingStrategy: 'Base64' } },
        { secretKey: 'none', remoteRef: { key: 'b64', property: 'enc', decodingStrategy: 'None' } },
      ],
    }),
    expected: {
      type: 'Opaque',
      data: { enc: 'decoded!', plain: 'plain', b64: 'decoded!', none: Buffer.from('decoded!').toString('base64') },
    },
  },
  {
    name: 'find-by-name',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ find: { name: { regexp: '^find-a' } } }] }),
    expected: { type: 'Opaque', data: { 'find-a1': 'A1', 'find-a2': 'A2' } },
  },
  {
    name: 'find-by-name-and-rewrite',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [
        { find: { name: { regexp: '^find-a' } }, rewrite: [{ regexp: { source: 'find-(.*)', target: '$1' } }] },
      ],
    }),
    expected: { type: 'Opaque', data: { a1: 'A1', a2: 'A2' } },
  },
];
