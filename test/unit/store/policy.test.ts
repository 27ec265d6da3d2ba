// Policy tables: globs, deny wins, claim templating that cannot be widened by hostile claim values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, globProblem } from '../../../src/store/policy/glob.js';
import { claimsSatisfy, compileRules, isAllowed } from '../../../src/store/policy/rules.js';
import type { PathRule } from '../../../src/store/storage/types.js';

describe('policy globs', () => {
  const cases: [string, string, boolean][] = [
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', false],
    ['/a/*', '/a/b', true],
    ['/a/*', '/a/b/c/d', true],
    ['/a/*', '/a', false],
    ['/a/*', '/ab/c', false],
    ['/*', '/anything/at/all', true],
    ['/a/*/c', '/a/b/c', true],
    ['/a/*/c', '/a/b/x/c', false],
    ['/a/b-*', '/a/b-1', true],
    ['/a/b-*', '/a/b-1/x', false],
    ['/a.b/c', '/aXb/c', false],
    ['/a/(x)', '/a/(x)', true],
  ];
  for (const [pattern, path, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(compileGlob(pattern)(path), expected);
    });
  }

  it('rejects malformed rule paths with a reason', () => {
    assert.match(globProblem('a/b') ?? '', /starting with "\/"/);
    assert.match(globProblem('/a/../b') ?? '', /"\.\."/);
    assert.match(globProblem('/a/{{ns/b') ?? '', /malformed/);
    assert.match(globProblem('/') ?? '', /matches nothing/);
    assert.equal(globProblem('/mdapi/{{namespace}}/*'), undefined);
  });
});

describe('policy rules', () => {
  const rules: PathRule[] = [
    { path: '/mdapi/{{namespace}}/*', capabilities: ['read', 'list'] },
    { path: '/mdapi/{{namespace}}/private/*', capabilities: ['deny'] },
    { path: '/shared/*', capabilities: ['read', 'create', 'update'] },
    { path: '/shared/locked', capabilities: ['deny'] },
  ];
  const table: [Record<string, string>, string, 'read' | 'list' | 'create' | 'update' | 'delete', boolean][] = [
    [{ namespace: 'joplin' }, '/mdapi/joplin/app/key', 'read', true],
    [{ namespace: 'joplin' }, '/mdapi/joplin/app/key', 'list', true],
    [{ namespace: 'joplin' }, '/mdapi/joplin/app/key', 'update', false],
    [{ namespace: 'joplin' }, '/mdapi/bootstrap/app/key', 'read', false],
    [{ namespace: 'joplin' }, '/mdapi/joplin/private/x', 'read', false],
    [{ namespace: 'joplin' }, '/shared/x', 'update', true],
    [{ namespace: 'joplin' }, '/shared/locked', 'read', false],
    [{ namespace: 'joplin' }, '/shared/x', 'delete', false],
    // hostile claims never widen access
    [{ namespace: '*' }, '/mdapi/bootstrap/app/key', 'read', false],
    [{ namespace: 'joplin/../bootstrap' }, '/mdapi/bootstrap/app/key', 'read', false],
    [{ namespace: 'a/b' }, '/mdapi/a/b/c', 'read', false],
    [{ namespace: '..' }, '/mdapi/x', 'read', false],
    [{ namespace: '' }, '/mdapi//x', 'read', false],
    [{ namespace: 'j?' }, '/mdapi/jx/a', 'read', false],
    [{}, '/mdapi/joplin/app', 'read', false],
    [{ namespace: 'joplin' }, '/mdapi/joplin', 'read', false],
  ];
  for (const [claims, path, capability, expected] of table) {
    it(`${JSON.stringify(claims)} ${capability} ${path} -> ${expected ? 'allowed' : 'refused'}`, () => {
      assert.equal(isAllowed(compileRules(rules, claims), path, capability), expected);
    });
  }

  it('a hostile claim in a deny rule denies the whole segment instead of nothing', () => {
    const denyRules: PathRule[] = [
      { path: '/t/*', capabilities: ['read'] },
      { path: '/t/{{team}}/*', capabilities: ['deny'] },
    ];
    assert.equal(isAllowed(compileRules(denyRules, { team: 'a/b' }), '/t/x/y', 'read'), false);
    assert.equal(isAllowed(compileRules(denyRules, { team: 'blue' }), '/t/x/y', 'read'), true);
    assert.equal(isAllowed(compileRules(denyRules, { team: 'blue' }), '/t/blue/y', 'read'), false);
  });

  it('bound claims must all match one of their values', () => {
    assert.equal(claimsSatisfy({ namespace: ['a', 'b'] }, { namespace: 'b' }), true);
    assert.equal(claimsSatisfy({ namespace: ['a'] }, { namespace: 'b' }), false);
    assert.equal(claimsSatisfy({ namespace: ['a'], sa: ['x'] }, { namespace: 'a' }), false);
    assert.equal(claimsSatisfy({}, {}), true);
  });
});
