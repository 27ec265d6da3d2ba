// Corpus inputs for ESO's own template functions (PEM, certificate chains, PKCS#12, JWK, YAML, RSA decryption),
// using the committed key material in test/unit/template/corpus/fixtures.json. Binary inputs (PKCS#12 files, RSA
// ciphertexts) travel base64-encoded and are decoded with b64dec inside the template, as ESO users do.

import { CaseSet } from './template-case-builder.js';

function esoData(f: Record<string, string>): Record<string, unknown> {
  const need = (k: string): string => {
    const v = f[k];
    if (v === undefined) throw new Error(`fixtures.json has no ${k}`);
    return v;
  };
  return {
    ...f,
    chain: need('leafCert') + need('intermediateCert') + need('rootCert'),
    chainShuffled: need('rootCert') + need('leafCert') + need('intermediateCert'),
    chainNoRoot: need('leafCert') + need('intermediateCert'),
    interAndRoot: need('intermediateCert') + need('rootCert'),
    chainWithKey: need('leafKeyPKCS8') + need('leafCert') + need('intermediateCert'),
    disjunct: need('leafCert') + need('intermediateCert') + need('rootCert') + need('noSANCert'),
    junkPrefix: 'some junk before\n' + need('leafCert'),
    junkSuffix: need('leafCert') + 'trailing junk\n',
    junkOnly: 'no pem here',
    badBlock: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    keyAndCert: need('leafKeyEC') + need('leafCert'),
    trailingNewlines: need('leafCert') + '\n\n',
    notBase64Pfx: 'bm90IGEgcGZ4',
    yamlDoc: 'a: 1\nb:\n  c: [x, y]\n  d: "yes"\nlist:\n  - 1.5\n  - true\n',
    yamlList: '- a\n- b\n',
    yamlBad: 'a: [unclosed',
    yamlScalar: 'just text',
    yamlAnchors: 'base: &b {x: 1}\nderived: *b\n',
    multi: 'line1\nline2\n',
    special: { yes: 'yes', num: '1.0', colon: 'a: b', empty: '', nul: null, lead: ' space', hash: '# c' },
  };
}

/** Only the fields a template refers to, so each corpus line stays small. */
function dataFor(template: string, all: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of template.matchAll(/\.([A-Za-z][A-Za-z0-9]*)/g)) {
    const key = m[1]!;
    if (key in all) out[key] = all[key];
  }
  return out;
}

export function esoCases(fixtures: Record<string, string>): CaseSet {
  const s = new CaseSet('eso');
  const all = esoData(fixtures);
  const group = (name: string, templates: readonly string[]): void => {
    s.in(name);
    for (const t of templates) s.add(t, dataFor(t, all));
  };

  const pemInputs = [
    '.chainWithKey',
    '.chain',
    '.junkPrefix',
    '.junkSuffix',
    '.junkOnly',
    '""',
    '.keyAndCert',
    '.badBlock',
  ];
  const pemTypes = ['"CERTIFICATE"', '"certificate"', '"PRIVATE KEY"', '"EC PRIVATE KEY"', '"nope"'];
  const filterPEM: string[] = [];
  for (const input of pemInputs) for (const type of pemTypes) filterPEM.push(`{{filterPEM ${type} ${input}}}`);
  filterPEM.push(
    '{{.chainWithKey | filterPEM "PRIVATE KEY"}}',
    '{{filterPEM "CERTIFICATE" .chain | len}}',
    '{{filterPEM "CERTIFICATE" 1}}',
    '{{filterPEM "CERTIFICATE"}}',
  );
  group('filterPEM', filterPEM);

  const chainInputs = [
    '.chain',
    '.chainShuffled',
    '.chainNoRoot',
    '.interAndRoot',
    '.leafCert',
    '.rootCert',
    '.disjunct',
    '""',
    '.junkOnly',
    '.junkPrefix',
    '.badBlock',
    '.chainWithKey',
  ];
  const chain: string[] = [];
  for (const input of chainInputs) {
    for (const kind of ['"leaf"', '"intermediate"', '"root"', '"other"'])
      chain.push(`{{filterCertChain ${kind} ${input}}}`);
  }
  chain.push('{{.chain | filterCertChain "leaf" | certSANs}}', '{{filterCertChain "LEAF" .chain}}');
  group('filterCertChain', chain);

  group('certSANs', [
    '{{certSANs .leafCert}}',
    '{{certSANs .noSANCert}}',
    '{{certSANs .rootCert}}',
    '{{certSANs .junkPrefix}}',
    '{{certSANs .chain}}',
    '{{certSANs ""}}',
    '{{certSANs .junkOnly}}',
    '{{certSANs .badBlock}}',
    '{{certSANs .leafKeyEC}}',
    '{{range certSANs .leafCert}}[{{.}}]{{end}}',
    '{{certSANs .leafCert | join ","}}',
    '{{len (certSANs .leafCert)}}',
    '{{index (certSANs .leafCert) 0}}',
    '{{printf "%T" (certSANs .leafCert)}}',
    '{{has "10.0.0.1" (certSANs .leafCert)}}',
  ]);

  group('pkcs12-decode', [
    '{{.pfxNoPass | b64dec | pkcs12key}}',
    '{{.pfxNoPass | b64dec | pkcs12cert}}',
    '{{.pfxPass | b64dec | pkcs12keyPass "s3cret"}}',
    '{{.pfxPass | b64dec | pkcs12certPass "s3cret"}}',
    '{{.pfxPass | b64dec | pkcs12keyPass "wrong"}}',
    '{{.pfxPass | b64dec | pkcs12certPass "wrong"}}',
    '{{.pfxPass | b64dec | pkcs12key}}',
    '{{.pfxNoPass | b64dec | pkcs12keyPass "extra"}}',
    '{{.pfxLeafOnly | b64dec | pkcs12cert}}',
    '{{.pfxLeafOnly | b64dec | pkcs12key}}',
    '{{.pfxDisjunct | b64dec | pkcs12cert}}',
    '{{.pfxTruststore | b64dec | pkcs12cert}}',
    '{{.pfxTruststore | b64dec | pkcs12key}}',
    '{{.notBase64Pfx | b64dec | pkcs12key}}',
    '{{pkcs12cert ""}}',
    '{{pkcs12key .pfxNoPass}}',
    '{{.pfxNoPass | b64dec | pkcs12cert | filterCertChain "root"}}',
    '{{.pfxNoPass | b64dec | pkcs12cert | certSANs}}',
    '{{eq (.pfxNoPass | b64dec | pkcs12key) .leafKeyPKCS8}}',
    '{{.pfxLegacyRC2 | b64dec | pkcs12keyPass "legacy"}}',
    '{{.pfxLegacyRC2 | b64dec | pkcs12certPass "legacy"}}',
    '{{.pfxLegacyRC2 | b64dec | pkcs12keyPass "wrong"}}',
    '{{eq (.pfxLegacyRC2 | b64dec | pkcs12keyPass "legacy") .rsaKeyPKCS8}}',
    '{{.pfxLegacyRC2 | b64dec | pkcs12certPass "legacy" | filterCertChain "leaf" | certSANs}}',
    '{{.pfxLegacyDES | b64dec | pkcs12key}}',
    '{{.pfxLegacyDES | b64dec | pkcs12cert}}',
    '{{.pfxLegacyDES | b64dec | pkcs12certPass "x"}}',
    '{{.pfxNoPass | b64dec | trunc 40 | pkcs12key}}',
  ]);

  group('pkcs12-encode', [
    '{{pemToPkcs12 .leafCert .leafKeyPKCS8 | b64dec | pkcs12cert}}',
    '{{pemToPkcs12 .leafCert .leafKeyEC | b64dec | pkcs12key}}',
    '{{pemToPkcs12Pass .leafCert .leafKeyPKCS8 "pw" | b64dec | pkcs12certPass "pw"}}',
    '{{pemToPkcs12Pass .leafCert .leafKeyPKCS8 "pw" | b64dec | pkcs12keyPass "pw"}}',
    '{{pemToPkcs12Pass .leafCert .leafKeyPKCS8 "pw" | b64dec | pkcs12keyPass "nope"}}',
    '{{fullPemToPkcs12 .chain .leafKeyPKCS8 | b64dec | pkcs12cert}}',
    '{{fullPemToPkcs12 .chainShuffled .leafKeyPKCS8 | b64dec | pkcs12cert}}',
    '{{fullPemToPkcs12Pass .chain .leafKeyPKCS8 "pw" | b64dec | pkcs12certPass "pw"}}',
    '{{fullPemToPkcs12 .leafCert .leafKeyPKCS8 | b64dec | pkcs12cert}}',
    '{{pemTruststoreToPKCS12 .interAndRoot | b64dec | pkcs12cert}}',
    '{{pemTruststoreToPKCS12Pass .interAndRoot "pw" | b64dec | len | lt 100}}',
    '{{pemToPkcs12 "" ""}}',
    '{{pemToPkcs12 .leafCert ""}}',
    '{{pemToPkcs12 .leafCert .junkOnly}}',
    '{{pemToPkcs12 .junkOnly .leafKeyPKCS8}}',
    '{{pemToPkcs12 .badBlock .leafKeyPKCS8}}',
    '{{pemToPkcs12 .leafCert .badBlock}}',
    '{{pemToPkcs12 .leafCert .otherLeafKeyPKCS8 | b64dec | pkcs12key | eq .otherLeafKeyPKCS8}}',
    '{{fullPemToPkcs12 .trailingNewlines .leafKeyPKCS8}}',
    '{{fullPemToPkcs12 .junkSuffix .leafKeyPKCS8}}',
    '{{pemTruststoreToPKCS12 ""}}',
    '{{pemTruststoreToPKCS12 .junkOnly}}',
    '{{pemTruststoreToPKCS12 .badBlock}}',
    '{{pemToPkcs12 .leafCert .rsaKeyPKCS1 | b64dec | pkcs12key | eq .rsaKeyPKCS8}}',
    '{{len (pemToPkcs12 .leafCert .leafKeyPKCS8) | lt 100}}',
  ]);

  const jwks = [
    'jwkRSAPublic',
    'jwkRSAPrivate',
    'jwkECPublic',
    'jwkECPrivate',
    'jwkOKPPublic',
    'jwkOKPPrivate',
    'jwkOct',
  ];
  const jwk: string[] = [];
  for (const k of jwks) jwk.push(`{{jwkPublicKeyPem .${k}}}`, `{{jwkPrivateKeyPem .${k}}}`);
  jwk.push(
    '{{eq (jwkPublicKeyPem .jwkRSAPublic) .rsaPublicKey}}',
    '{{eq (jwkPrivateKeyPem .jwkRSAPrivate) .rsaKeyPKCS8}}',
    '{{eq (jwkPrivateKeyPem .jwkECPrivate) .leafKeyPKCS8}}',
    '{{jwkPublicKeyPem "{}"}}',
    '{{jwkPublicKeyPem "not json"}}',
    '{{jwkPublicKeyPem ""}}',
    '{{jwkPrivateKeyPem "{\\"kty\\":\\"RSA\\"}"}}',
    '{{jwkPublicKeyPem "{\\"kty\\":\\"EC\\",\\"crv\\":\\"P-999\\",\\"x\\":\\"AA\\",\\"y\\":\\"AA\\"}"}}',
  );
  group('jwk', jwk);

  group('yaml', [
    '{{toYaml .special}}',
    '{{toYaml .yamlDoc}}',
    '{{toYaml .multi}}',
    '{{.yamlDoc | fromYaml | toYaml}}',
    '{{.yamlDoc | fromYaml | toJson}}',
    '{{(fromYaml .yamlDoc).a}}',
    '{{(fromYaml .yamlDoc).b.c}}',
    '{{index (fromYaml .yamlDoc) "list"}}',
    '{{printf "%T" (fromYaml .yamlDoc).a}}',
    '{{fromYaml .yamlList}}',
    '{{fromYaml .yamlBad}}',
    '{{fromYaml .yamlScalar}}',
    '{{fromYaml .yamlAnchors}}',
    '{{fromYaml ""}}',
    '{{fromYaml "a: 1\\na: 2"}}',
    '{{fromYaml "1: x\\ntrue: y\\nnull: z"}}',
    '{{fromYaml "a: 0x1F\\nb: 0o17\\nc: 1e3\\nd: .inf\\ne: ~\\nf: 2024-01-02"}}',
    '{{fromYaml "a: yes\\nb: on\\nc: \\"yes\\""}}',
    '{{(fromYaml .yamlBad).Error}}',
    '{{fromYaml "%s"}}',
    '{{fromYaml "%5.2f"}}',
    '{{fromYaml "%YAML 1.2\n---\na: 1"}}',
    '{{fromYaml "a: 1\n---\nb: 2"}}',
    '{{fromYaml "@x"}}',
    '{{fromYaml "a: !!str 1"}}',
    '{{fromYaml "? complex\n: key"}}',
  ]);
  s.in('toYaml-values');
  for (const v of [
    '.nil',
    '""',
    '"plain"',
    '"yes"',
    '"123"',
    '"a: b"',
    '"- x"',
    '"#c"',
    '" lead"',
    '"multi\\nline"',
    '"trail\\n"',
    '42',
    '3.5',
    '1e21',
    'true',
    '(list)',
    '(dict)',
    '(list 1 "a" nil (list 2))',
    '(dict "z" 1 "a" (dict "b" (list 1 2)))',
    '(dict "k" "multi\\nline\\n")',
    '(toDate "2006-01-02" "2024-03-05")',
    '(semver "1.2.3")',
    '(b64dec "/w==")',
    '"héllo ✓"',
    '"\\u0001ctl"',
    '"null"',
    '"~"',
    '"0x1F"',
    '"1_000"',
    '"2024-01-02"',
    '"on"',
    '"=x"',
    '"@x"',
    '"`x"',
    '"{x}"',
    '"[x]"',
    '"&a"',
    '"*a"',
    '"!tag"',
    '"|x"',
    '">x"',
    '"%x"',
    '"a #b"',
    '"x:"',
    '"?x"',
  ]) {
    s.add(`{{toYaml ${v}}}`, null);
  }

  group('rsaDecrypt', [
    '{{rsaDecrypt "RSA-OAEP" "SHA1" (b64dec .oaepSHA1) .rsaKeyPKCS1}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) .rsaKeyPKCS1}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA512" (b64dec .oaepSHA512) .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "None" (b64dec .oaepSHA256) .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "" (b64dec .oaepSHA256) .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "MD5" (b64dec .oaepSHA256) .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA1" (b64dec .oaepSHA256) .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" "garbage" .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) ""}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) .badBlock}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) .leafKeyEC}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) .leafKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256) .leafCert}}',
    '{{rsaDecrypt "None" "SHA256" "passthrough" ""}}',
    '{{rsaDecrypt "None" "" .multi "ignored"}}',
    '{{rsaDecrypt "RSA-PKCS1" "SHA256" "x" .rsaKeyPKCS8}}',
    '{{rsaDecrypt "rsa-oaep" "SHA256" "x" .rsaKeyPKCS8}}',
    '{{rsaDecrypt "" "" "" ""}}',
    '{{b64dec .oaepSHA256 | rsaDecrypt "RSA-OAEP" "SHA256" .rsaKeyPKCS8}}',
    '{{rsaDecrypt "RSA-OAEP" "SHA256" (b64dec .oaepSHA256)}}',
  ]);

  group('realistic', [
    'tls.crt: {{ .pfxNoPass | b64dec | pkcs12cert | b64enc }}\ntls.key: {{ .pfxNoPass | b64dec | pkcs12key | b64enc }}',
    '{{ $key := .pfxLegacyRC2 | b64dec | pkcs12keyPass "legacy" }}{{ $key | filterPEM "PRIVATE KEY" | eq $key }}',
    '{{ .leafCert | certSANs | toJson }}',
    '{{ range $i, $san := certSANs .leafCert }}{{ if $i }},{{ end }}{{ $san | quote }}{{ end }}',
    '{{ with fromYaml .yamlDoc }}{{ .b | toYaml | nindent 2 }}{{ end }}',
    '{{ .jwkRSAPrivate | jwkPrivateKeyPem | filterPEM "PRIVATE KEY" | len | lt 1000 }}',
    '{{ .rsaLeafCert | filterCertChain "leaf" | certSANs }}',
    '{{ print .leafCert .intermediateCert .rootCert | filterCertChain "intermediate" | eq .intermediateCert }}',
    '{{ .pfxNoPass | b64dec | pkcs12cert | filterCertChain "leaf" | certSANs | join "," }}',
    'tls.crt: |\n{{ filterPEM "CERTIFICATE" .chainWithKey | indent 2 }}tls.key: |\n{{ filterPEM "PRIVATE KEY" .chainWithKey | indent 2 }}',
    '{{ $c := fromYaml .yamlDoc }}{{ range $k, $v := $c }}{{ $k }}={{ toJson $v }};{{ end }}',
    '{{ dict "cert" (filterCertChain "leaf" .chain | b64enc | len) "sans" (certSANs .leafCert | len) | toJson }}',
    '{{- with fromYaml .yamlDoc }}{{ .b.d | upper }}{{ end -}}',
  ]);
  return s;
}

/** ESO-style rendering: the data is a map of strings (provider values) and missingkey=error, as in ESO. */
export function esoStyleCases(): CaseSet {
  const s = new CaseSet('eso-style');
  const secret = {
    username: 'admin',
    password: 'p@ss:w0rd/+=',
    host: 'db.internal',
    port: '5432',
    'api-key': 'k-123',
    config: '{"debug":true,"level":3,"tags":["a","b"]}',
    yamlconf: 'server:\n  port: 8080\n  hosts: [a, b]\n',
    cert: 'not-a-cert',
    empty: '',
    multiline: 'line one\nline two\n',
    token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig',
    b64: 'c2VjcmV0IHZhbHVl',
    csv: 'a, b,c ,,d',
  };
  const mk = { missingkey: 'error' as const };
  const templates = [
    '{{ .username }}:{{ .password }}',
    'postgres://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/app?sslmode=require',
    '{{ index . "api-key" }}',
    '{{ .api-key }}',
    '{{ .missing }}',
    '{{ .username.first }}',
    '{{ index . "missing" }}',
    '{{ .missing | default "fallback" }}',
    '{{ get . "missing" | default "fallback" }}',
    '{{ hasKey . "missing" }}',
    '{{ if hasKey . "password" }}set{{ end }}',
    '{{ .empty | default "was empty" }}',
    '{{ .b64 | b64dec }}',
    '{{ .password | b64enc }}',
    '{{ (fromJson .config).level }}',
    '{{ (fromJson .config).missing }}',
    '{{ range (fromJson .config).tags }}[{{ . }}]{{ end }}',
    '{{ (fromYaml .yamlconf).server.port }}',
    '{{ toJson . }}',
    '{{ toYaml (dict "user" .username "pass" .password) }}',
    '{"auths":{"{{ .host }}":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
    '{{ dict "auths" (dict .host (dict "username" .username "password" .password "auth" (print .username ":" .password | b64enc))) | toJson }}',
    '[client]\nuser={{ .username }}\npassword={{ .password | quote }}\nhost={{ .host }}\n',
    'DB_URL={{ .host }}:{{ .port }}\n{{- if .empty }}\nEMPTY=1{{ end }}\n',
    '{{- range $k, $v := . }}\n{{ $k }}={{ $v | quote }}{{ end }}',
    '{{ .multiline | indent 4 }}',
    'config.yaml: |\n{{ .yamlconf | indent 2 }}',
    '{{ .port | atoi | add 1 }}',
    '{{ add .port 1 }}',
    '{{ .port | int | mul 2 }}',
    '{{ eq .port "5432" }}',
    '{{ eq .port 5432 }}',
    '{{ lt .port "6000" }}',
    '{{ .token | splitList "." | first }}',
    '{{ .csv | splitList "," | compact | join "|" }}',
    '{{ range splitList "," .csv }}<{{ trim . }}>{{ end }}',
    '{{ .username | upper | replace "A" "4" }}',
    '{{ .password | sha256sum }}',
    '{{ .password | htpasswd .username | hasPrefix "admin:$2a$" }}',
    '{{ .missing | b64enc }}',
    '{{ b64dec .missing }}',
    '{{ template "x" . }}{{ define "x" }}{{ .username }}{{ end }}',
    '{{ with .empty }}nonempty{{ else }}empty{{ end }}',
    '{{ with .password }}{{ len . }}{{ end }}',
    '{{ .username | printf "%q" }}',
    '{{ .host | regexReplaceAll "\\.internal$" ".example.com" }}',
    '{{ .cert | filterPEM "CERTIFICATE" }}',
    '{{ .cert | certSANs }}',
    '{{ .config | fromJson | toPrettyJson }}',
    '{{ .config | mustFromJson | keys | sortAlpha | join "," }}',
    '{{ nospace .csv }}',
    '{{ .port | toDecimal }}',
    '{{ semverCompare ">=1.0" "1.2.3" }}',
    '{{- /* comment */ -}}\n{{ .username -}}\n',
    '{{ $u := .username }}{{ range until 2 }}{{ $u }}{{ end }}',
    '{{ .username }}{{ .nope.deeper }}',
    '{{ $.username }}',
    '{{ len . }}',
    '{{ . | len }}',
  ];
  for (const t of templates) s.add(t, secret, mk);
  for (const t of templates.slice(0, 12)) s.add(t, secret, { missingkey: 'default' });
  return s;
}
