// The engine's public API: options, limits, function errors, Go objects, JSON data conversion, and the
// deliberate differences from Go (each stated with its reason).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import {
  builtinFunctionNames,
  fromJsonData,
  parseTemplate,
  renderTemplate,
  TemplateError,
} from '../../../src/template/index.js';
import { GoNumber, type GoObject } from '../../../src/template/values.js';

function renderError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected an error');
}

class Version implements GoObject {
  constructor(readonly major: number) {}
  goTypeName(): string {
    return '*semver.Version';
  }
  goString(): string {
    return `${this.major}.0.0`;
  }
  goField(name: string): unknown {
    return name === 'Major' ? new GoNumber('uint64', BigInt(this.major)) : undefined;
  }
  goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    if (name === 'GreaterThan') return (other: unknown) => this.major > (other as Version).major;
    return undefined;
  }
}

describe('template API', () => {
  it('parses once and executes many times with different data', () => {
    const t = parseTemplate('t', 'Hello {{.name}}!');
    assert.equal(t.execute(fromJsonData({ name: 'a' })), 'Hello a!');
    assert.equal(t.execute(fromJsonData({ name: 'b' })), 'Hello b!');
  });

  it('lets execute override the missingkey option', () => {
    const t = parseTemplate('t', '{{.x}}', { missingKey: 'error' });
    assert.match(
      renderError(() => t.execute(fromJsonData({}))),
      /map has no entry for key "x"/,
    );
    assert.equal(t.execute(fromJsonData({}), { missingKey: 'default' }), '<no value>');
  });

  it('rejects an unknown missingkey option', () => {
    assert.match(
      renderError(() => parseTemplate('t', 'x', { missingKey: 'bogus' as 'zero' })),
      /unrecognized missingkey/,
    );
  });

  it('offers Sprig and ESO functions by default, and only the builtins with an empty function map', () => {
    assert.equal(renderTemplate('t', '{{upper "a"}} {{hexdec "6869"}}', null), 'A hi');
    assert.equal(
      renderError(() => parseTemplate('t', '{{upper "a"}}', { functions: {} })),
      'template: t:1: function "upper" not defined',
    );
    assert.deepEqual([...builtinFunctionNames].sort(), [
      'and',
      'call',
      'eq',
      'ge',
      'gt',
      'html',
      'index',
      'js',
      'le',
      'len',
      'lt',
      'ne',
      'not',
      'or',
      'print',
      'printf',
      'println',
      'slice',
      'urlquery',
    ]);
  });

  it('lets a user function replace a builtin of the same name', () => {
    const out = renderTemplate('t', '{{len "abc"}}', null, {
      functions: { len: { params: ['string'], fn: (s: string) => `custom ${s}` } },
    });
    assert.equal(out, 'custom abc');
  });

  it('reports a function error Go-style', () => {
    const functions = {
      fail: {
        params: [],
        fn: () => {
          throw new TemplateFunctionError('no such key');
        },
      },
    } as const;
    assert.equal(
      renderError(() => renderTemplate('t', 'x{{fail}}', null, { functions })),
      'template: t:1:3: executing "t" at <fail>: error calling fail: no such key',
    );
  });

  it('turns an unexpected exception in a function into a TemplateError', () => {
    const functions = {
      broken: {
        params: [],
        fn: () => {
          throw new TypeError('cannot read properties of undefined');
        },
      },
    } as const;
    assert.equal(
      renderError(() => renderTemplate('t', '{{broken}}', null, { functions })),
      'template: t:1:2: executing "t" at <broken>: error calling broken: cannot read properties of undefined',
    );
  });

  it('treats a function returning undefined as nil', () => {
    const functions = { nothing: { params: [], fn: () => undefined } } as const;
    assert.equal(renderTemplate('t', '{{nothing}}|{{print nothing}}', null, { functions }), '<no value>|<nil>');
  });

  it('uses custom delimiters and leaves the default ones as text', () => {
    assert.equal(
      renderTemplate('t', '[[ .a ]] {{ .a }}', fromJsonData({ a: 1 }), { leftDelim: '[[', rightDelim: ']]' }),
      '1 {{ .a }}',
    );
  });
});

describe('template limits', () => {
  it('stops after the maximum number of steps', () => {
    const msg = renderError(() =>
      renderTemplate('t', '{{range 100000}}x{{end}}', null, { limits: { maxSteps: 1000 } }),
    );
    assert.match(msg, /^template: t:1:\d+: executing "t" at <.*>: execution exceeded the limit of 1000 steps$/);
  });

  it('stops when the output grows beyond the limit, counting UTF-8 bytes', () => {
    assert.equal(renderTemplate('t', '{{range 10}}é{{end}}', null, { limits: { maxOutputBytes: 20 } }), 'éééééééééé');
    const msg = renderError(() =>
      renderTemplate('t', '{{range 11}}é{{end}}', null, { limits: { maxOutputBytes: 20 } }),
    );
    assert.match(msg, /output exceeds the limit of 20 bytes$/);
  });

  it('limits template recursion depth instead of overflowing the stack', () => {
    const text = '{{define "R"}}{{template "R" .}}{{end}}{{template "R" .}}';
    assert.equal(
      renderError(() => renderTemplate('t', text, null)),
      'template: t:1:25: executing "R" at <{{template "R" .}}>: exceeded maximum template depth (1000)',
    );
    assert.match(
      renderError(() => renderTemplate('t', text, null, { limits: { maxDepth: 5 } })),
      /exceeded maximum template depth \(5\)$/,
    );
  });

  it('counts blocks, template calls and parenthesised pipelines together against maxDepth', () => {
    // Each level holds an if and a template call open: two units of nesting.
    const text = '{{define "R"}}{{if .}}x{{template "R" (slice . 1)}}{{end}}{{end}}{{template "R" .}}';
    assert.equal(renderTemplate('t', text, fromJsonData(Array.from({ length: 450 }, () => 1))), 'x'.repeat(450));
    assert.match(
      renderError(() => renderTemplate('t', text, fromJsonData(Array.from({ length: 550 }, () => 1)))),
      /exceeded maximum (nesting|template) depth \(1000\)$/,
    );
  });

  it('handles nesting up to the default limit without exhausting the stack', () => {
    const blocks = '{{range 1}}{{with 1}}'.repeat(500) + 'x' + '{{end}}{{end}}'.repeat(500);
    assert.equal(renderTemplate('t', blocks, null), 'x');
    const parens = '{{' + '('.repeat(1000) + '1' + ')'.repeat(1000) + '}}';
    assert.equal(renderTemplate('t', parens, null), '1');
  });

  it('limits parenthesis nesting at parse time', () => {
    const text = '{{' + '('.repeat(50) + '1' + ')'.repeat(50) + '}}';
    assert.equal(renderTemplate('t', text, null), '1');
    assert.equal(
      renderError(() => renderTemplate('t', text, null, { limits: { maxDepth: 10 } })),
      'template: t:1: max expression depth exceeded',
    );
  });

  it('fails cleanly on absurdly deep block nesting', () => {
    const text = '{{if 1}}'.repeat(20000) + 'x' + '{{end}}'.repeat(20000);
    assert.equal(
      renderError(() => renderTemplate('t', text, null)),
      'template: t:1: max nesting depth exceeded',
    );
  });

  it('rejects a non-positive limit', () => {
    assert.match(
      renderError(() => parseTemplate('t', 'x', { limits: { maxSteps: 0 } })),
      /maxSteps must be a positive/,
    );
  });
});

describe('values', () => {
  it('decodes JSON numbers as float64 like encoding/json', () => {
    assert.equal(
      renderTemplate('t', '{{printf "%T %v" .n .n}} {{.big}}', fromJsonData({ n: 3, big: 1234567 })),
      'float64 3 1.234567e+06',
    );
  });

  it('decodes JSON objects as maps without prototype keys', () => {
    const data = fromJsonData(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'));
    assert.equal(renderTemplate('t', '{{.__proto__.x}} {{.a}} {{.toString}}', data), '1 2 <no value>');
    assert.equal(renderTemplate('t', '{{.}}', data), 'map[__proto__:map[x:1] a:2]');
  });

  it('prints, inspects and calls Go objects through their hooks', () => {
    // A value read from a map[string]interface{} has the static type interface {} in Go's error messages.
    const data = fromJsonData({}) as Record<string, unknown>;
    data['v'] = new Version(2);
    data['w'] = new Version(1);
    assert.equal(
      renderTemplate('t', '{{.v}} {{printf "%T %s" .v .v}} {{.v.Major}} {{.v.GreaterThan .w}}', data),
      '2.0.0 *semver.Version 2.0.0 2 true',
    );
    assert.equal(
      renderError(() => renderTemplate('t', '{{.v.Minor}}', data)),
      'template: t:1:4: executing "t" at <.v.Minor>: can\'t evaluate field Minor in type interface {}',
    );
  });

  it('ranges over maps with non-string keys in key order', () => {
    const m = new Map<unknown, unknown>([
      [3n, 'c'],
      [1n, 'a'],
      [2n, 'b'],
    ]);
    assert.equal(renderTemplate('t', '{{range $k, $v := .}}{{$k}}{{$v}}{{end}} {{.}}', m), '1a2b3c map[1:a 2:b 3:c]');
  });

  it('ranges over a sized integer with elements of that type', () => {
    assert.equal(
      renderTemplate('t', '{{range .}}{{printf "%T%v " . .}}{{end}}', new GoNumber('int64', 2n)),
      'int640 int641 ',
    );
  });
});

describe('redactValues', () => {
  it("keeps data values out of the engine's own error messages when asked", () => {
    const data = fromJsonData({ password: 'hunter2', list: ['hunter2'] });
    assert.match(
      renderError(() => renderTemplate('t', '{{range .password}}{{end}}', data)),
      /over hunter2$/,
    );
    assert.equal(
      renderError(() => renderTemplate('t', '{{range .password}}{{end}}', data, { redactValues: true })),
      'template: t:1:8: executing "t" at <.password>: range can\'t iterate over <redacted>',
    );
    assert.equal(
      renderError(() => renderTemplate('t', '{{eq .list .list}}', data, { redactValues: true })),
      'template: t:1:2: executing "t" at <eq .list .list>: error calling eq: non-comparable type <redacted>: []interface {}',
    );
  });
});

describe('call', () => {
  it('calls a function value from the data with the evaluated arguments', () => {
    const data = fromJsonData({}) as Record<string, unknown>;
    data['add'] = (a: bigint, b: bigint) => a + b;
    data['fail'] = () => {
      throw new TemplateFunctionError('bad input');
    };
    assert.equal(renderTemplate('t', '{{call .add 1 2}}', data), '3');
    assert.equal(
      renderError(() => renderTemplate('t', '{{call .fail}}', data)),
      'template: t:1:2: executing "t" at <call .fail>: error calling call: bad input',
    );
    assert.equal(
      renderError(() => renderTemplate('t', '{{call .missing}}', data)),
      'template: t:1:2: executing "t" at <call .missing>: error calling call: call of nil',
    );
  });
});

describe('sized numbers', () => {
  it('prints and compares Go numeric kinds', () => {
    const data = fromJsonData({}) as Record<string, unknown>;
    data['i8'] = new GoNumber('int8', -5n);
    data['u16'] = new GoNumber('uint16', 65535n);
    data['f32'] = new GoNumber('float32', Math.fround(0.1));
    data['b'] = new GoNumber('uint8', 200);
    assert.equal(
      renderTemplate('t', '{{.i8}} {{.u16}} {{.f32}} {{.b}} {{printf "%T %x %T" .i8 .u16 .f32}}', data),
      '-5 65535 0.1 200 int8 ffff float32',
    );
    assert.equal(renderTemplate('t', '{{eq .u16 65535}} {{lt .i8 0}} {{eq .f32 0.1}}', data), 'true true false');
  });
});

describe('deliberate differences from Go', () => {
  it('treats a slice capacity as its length (Go may allow slicing into spare capacity)', () => {
    assert.match(
      renderError(() => renderTemplate('t', '{{slice .l 0 4}}', fromJsonData({ l: [1, 2, 3] }), { functions: {} })),
      /error calling slice: index out of range: 4$/,
    );
  });
});
