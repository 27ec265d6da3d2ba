// Corpus inputs for Sprig v3 functions. Each function gets hand-picked calls; unary functions also run against a
// matrix of argument values, which pins down Go's argument conversion and Sprig's type coercions. Functions whose
// output is random or time-dependent appear only through deterministic properties (length, prefix, type).

import { CaseSet, stdData } from './template-case-builder.js';

/** Argument expressions of every kind a template can pass. */
export const argMatrix = [
  '"hello world"',
  '""',
  '"  Spaced Out  "',
  '"héllo wörld ✓"',
  '"HTTP_server-name v2"',
  '.multiline',
  '"a/b/../c.txt"',
  '"123"',
  '"-4.5"',
  '"0x1A"',
  '"010"',
  '42',
  '-3',
  '3.75',
  '.int',
  '.float',
  'true',
  '.nil',
  '.list',
  '.map',
  '.missing',
  "'x'",
];

function matrix(s: CaseSet, fn: string, values: readonly string[] = argMatrix): void {
  s.in(`${fn}-matrix`);
  for (const v of values) s.add(`{{${fn} ${v}}}`);
}

function calls(s: CaseSet, group: string, exprs: readonly string[], data: unknown = stdData): void {
  s.in(group);
  for (const e of exprs) s.add(`{{${e}}}`, data);
}

function stringCases(): CaseSet {
  const s = new CaseSet('sprig-strings');
  for (const fn of [
    'trim',
    'upper',
    'lower',
    'title',
    'untitle',
    'nospace',
    'initials',
    'swapcase',
    'snakecase',
    'camelcase',
    'kebabcase',
    'quote',
    'squote',
    'toString',
    'toStrings',
    'cat',
  ]) {
    matrix(s, fn);
  }
  calls(s, 'hello', ['hello', 'hello 1']);
  calls(s, 'abbrev', [
    'abbrev 5 "hello world"',
    'abbrev 3 "hello world"',
    'abbrev 4 "hello world"',
    'abbrev 20 "hello world"',
    'abbrev 0 ""',
    'abbrev 5 "héllo wörld"',
    'abbrev -1 "x"',
    'abbrev "5" "hello world"',
    'abbrev 5.5 "hello world"',
    '"hello world" | abbrev 6',
  ]);
  calls(s, 'abbrevboth', [
    'abbrevboth 5 10 "1234 5678 9123"',
    'abbrevboth 0 10 "1234 5678 9123"',
    'abbrevboth 1 4 "abcdefghijklmno"',
    'abbrevboth 1 6 "abcdefghijklmno"',
    'abbrevboth 3 7 "abcdefghijklmno"',
    'abbrevboth 10 7 "abcdefghijklmno"',
    'abbrevboth 0 3 "abc"',
    'abbrevboth 2 7 "short"',
  ]);
  calls(s, 'trunc', [
    'trunc 5 "hello world"',
    'trunc -5 "hello world"',
    'trunc 0 "hello"',
    'trunc 50 "hello"',
    'trunc -50 "hello"',
    'trunc 2 "héllo"',
    'trunc 1 "✓✓"',
    'trunc .int .str',
    '"hello" | trunc 3',
  ]);
  calls(s, 'substr', [
    'substr 0 5 "hello world"',
    'substr 6 11 "hello world"',
    'substr -1 3 "hello"',
    'substr 2 -1 "hello"',
    'substr 2 99 "hello"',
    'substr 3 1 "hello"',
    'substr 0 2 "héllo"',
    'substr 9 10 "hello"',
    'substr -1 -1 "hello"',
    'substr 1 2 ""',
  ]);
  calls(s, 'repeat', [
    'repeat 3 "ab"',
    'repeat 0 "ab"',
    'repeat -1 "ab"',
    'repeat 2 ""',
    '"x" | repeat 4',
    'repeat 2 5',
  ]);
  calls(s, 'trimAll', [
    'trimAll "$" "$$5.00$"',
    'trimall "ab" "abcba"',
    'trimAll "" " x "',
    'trimAll "✓" "✓ok✓"',
    'trimSuffix "-" "hello-"',
    'trimSuffix ".txt" "file.txt.txt"',
    'trimSuffix "x" ""',
    'trimPrefix "-" "-hello"',
    'trimPrefix "ab" "ababc"',
    'trimPrefix "" "abc"',
    '"  x  " | trimAll " "',
  ]);
  calls(s, 'wrap', [
    'wrap 5 "The quick brown fox jumps"',
    'wrap 10 "The quick brown fox jumps over the lazy dog"',
    'wrap 3 "abcdefgh ijk"',
    'wrap 0 "a b c"',
    'wrap 80 "short"',
    'wrap 4 "line one\\nline two"',
    'wrapWith 5 "\\t" "The quick brown fox"',
    'wrapWith 3 "<br>" "abcdefgh"',
    'wrapWith 10 "|" "hello world again"',
  ]);
  calls(s, 'contains', [
    'contains "cat" "catch"',
    'contains "dog" "catch"',
    'contains "" "x"',
    'contains "é" "héllo"',
    'hasPrefix "cat" "catch"',
    'hasPrefix "atc" "catch"',
    'hasSuffix "ch" "catch"',
    'hasSuffix "" ""',
    '"catch" | contains "atc"',
    'contains 1 "a1"',
  ]);
  calls(s, 'quote-multi', [
    'quote "a" "b"',
    'quote "a" .nil "b"',
    'quote',
    'quote "with \\"quotes\\" and \\\\ and \\n"',
    'quote .list',
    'squote "a" "b"',
    'squote "it\'s"',
    'squote .nil',
    'squote',
    'squote .map',
    'cat "a" "b" "c"',
    'cat "a" .nil "c"',
    'cat',
    'cat 1 2.5 true',
    'cat .list .str',
  ]);
  calls(s, 'indent', [
    'indent 4 "a\\nb"',
    'indent 0 "a\\nb"',
    'indent 2 ""',
    'indent -2 "a"',
    'nindent 2 "a\\nb"',
    'nindent 0 "x"',
    '.multiline | indent 2',
    '.multiline | nindent 4',
    'indent 2 "a\\r\\nb\\n"',
  ]);
  calls(s, 'replace', [
    'replace " " "-" "hello big world"',
    'replace "" "-" "abc"',
    'replace "x" "" "xaxbx"',
    'replace "é" "e" "héllo"',
    '"a.b.c" | replace "." "/"',
    'replace "aa" "b" "aaaaa"',
  ]);
  calls(s, 'plural', [
    'plural "one" "many" 1',
    'plural "one" "many" 0',
    'plural "one" "many" 2',
    'plural "one" "many" -1',
    'plural "one" "many" .int',
    'len .list | plural "item" "items"',
  ]);
  calls(s, 'atoi', [
    'atoi "42"',
    'atoi "-42"',
    'atoi "4.2"',
    'atoi "x"',
    'atoi ""',
    'atoi " 1"',
    'atoi "+7"',
    'atoi "0x10"',
    'atoi "9223372036854775808"',
    'atoi 42',
  ]);
  calls(s, 'split', [
    'split "," "a,b,c"',
    '(split "," "a,b,c")._1',
    'split "" "abc"',
    'split "," ""',
    'split "," "a,,b,"',
    'splitList "," "a,b,c"',
    'splitList "" "héllo"',
    'splitList "," ""',
    'splitList ", " "a, b, c"',
    'splitn "," 2 "a,b,c"',
    'splitn "," 0 "a,b,c"',
    'splitn "," -1 "a,b,c"',
    '(splitn "$" 2 "foo$bar$baz")._1',
    'index (splitList "/" "a/b/c") 1',
    'len (splitList "," "a,b,c")',
    '"a b c" | splitList " " | join "-"',
  ]);
  calls(s, 'join', [
    'join "," .strs',
    'join ", " .list',
    'join "" .mixed',
    'join "," .emptyList',
    'join "," "abc"',
    'join "," .nil',
    'join "," 42',
    'join "-" (list 1 "a" nil 2.5 true)',
    'join "," .map',
    'join "," (splitList "." "x.y.z")',
    'list "a" "b" | join "+"',
  ]);
  calls(s, 'sortAlpha', [
    'sortAlpha .strs',
    'sortAlpha (list "b" "B" "a" "10" "9" "é")',
    'sortAlpha .list',
    'sortAlpha (list 3 1 2)',
    'sortAlpha "cba"',
    'sortAlpha .nil',
    'sortAlpha .emptyList',
    'sortAlpha .map',
    'sortAlpha (list 10 9 100)',
  ]);
  calls(s, 'random-properties', [
    'len (randAlphaNum 12)',
    'len (randAlpha 7)',
    'len (randAscii 9)',
    'len (randNumeric 5)',
    'len (randAlpha 0)',
    'regexMatch "^[a-zA-Z]{16}$" (randAlpha 16)',
    'regexMatch "^[0-9]{8}$" (randNumeric 8)',
    'regexMatch "^[a-zA-Z0-9]{20}$" (randAlphaNum 20)',
    'regexMatch "^[ -~]{20}$" (randAscii 20)',
    'len (shuffle "abcdef")',
    'shuffle "aaaa"',
    'shuffle ""',
    'splitList "" (shuffle "cab") | sortAlpha | join ""',
    'randAlpha -1',
  ]);
  return s;
}

function mathCases(): CaseSet {
  const s = new CaseSet('sprig-math');
  const numbers = [
    '1',
    '-2',
    '2.9',
    '-2.9',
    '.int',
    '.float',
    '"7"',
    '"3.9"',
    '"0x10"',
    '"010"',
    '"08"',
    '"x"',
    'true',
    '.nil',
    '.list',
  ];
  for (const fn of ['add1', 'int', 'int64', 'float64', 'toDecimal', 'add1f', 'ceil', 'floor']) matrix(s, fn, numbers);
  s.in('binary');
  for (const fn of [
    'add',
    'sub',
    'mul',
    'div',
    'mod',
    'max',
    'min',
    'biggest',
    'addf',
    'subf',
    'mulf',
    'divf',
    'maxf',
    'minf',
  ]) {
    for (const [a, b] of [
      ['7', '2'],
      ['-7', '2'],
      ['7.9', '2.1'],
      ['.int', '.float'],
      ['"5"', '"3"'],
      ['0.1', '0.2'],
      ['9223372036854775807', '1'],
      ['.nil', '3'],
    ]) {
      s.add(`{{${fn} ${a} ${b}}}`);
    }
  }
  calls(s, 'variadic', [
    'add',
    'add 1',
    'add 1 2 3 4',
    'add 1 2.5 "3"',
    'mul 2',
    'mul 2 3 4',
    'max 1',
    'max 3 9 2',
    'min 3 -9 2',
    'maxf 1.5 9.25 -3',
    'minf 1.5 9.25 -3',
    'maxf',
    'minf',
    'addf',
    'addf 0.1 0.2 0.3',
    'subf 1 0.9',
    'subf 10',
    'mulf 1.1 1.1',
    'divf 1 3',
    'divf 10 4 2',
    'divf 1 0.0',
    'div 7 2',
    'div -7 2',
    'mod -7 3',
    'mod 7 -3',
    'sub 0 9223372036854775807',
    'mul 3037000500 3037000500',
    'add1f "1.5"',
    'add1f .float',
    'sub 1',
    'div 1',
  ]);
  calls(s, 'round', [
    'round 3.14159 2',
    'round 2.5 0',
    'round -2.5 0',
    'round 3.14159 0',
    'round 123.456 -1',
    'round 1.005 2',
    'round 1.2345 3 0.4',
    'round 1.2344 3 0.4',
    'round "3.7" 0',
    'round .float 1',
    'round 5 2',
    'round .nil 2',
  ]);
  calls(s, 'ceil-floor', ['ceil 1.1', 'ceil -1.1', 'floor 1.9', 'floor -1.1', 'ceil "2.5"', 'floor 3', 'ceil .big']);
  calls(s, 'seq', [
    'seq 5',
    'seq -3',
    'seq 0',
    'seq 2 5',
    'seq 5 2',
    'seq 1 2 10',
    'seq 10 -3 1',
    'seq 1 0 5',
    'seq 1 -1 5',
    'seq',
    'seq 1 2 3 4',
    'seq 2 2',
    'seq 1 20 5',
    'seq 3 | splitList " " | len',
  ]);
  calls(s, 'until', [
    'until 5',
    'until 0',
    'until -3',
    'untilStep 0 10 3',
    'untilStep 10 0 -3',
    'untilStep 0 10 0',
    'untilStep 0 10 -1',
    'untilStep 5 5 1',
    'len (until 100)',
    'until .int | len',
    'range $i := until 3}}{{$i}}{{end',
  ]);
  calls(s, 'toDecimal', [
    'toDecimal "0777"',
    'toDecimal "777"',
    'toDecimal 10',
    'toDecimal "8"',
    'toDecimal ""',
    'toDecimal "-17"',
  ]);
  calls(s, 'conversions', [
    'int "42"',
    'int "4.9"',
    'int 4.9',
    'int -4.9',
    'int "1e3"',
    'int64 "9223372036854775807"',
    'int64 "9223372036854775808"',
    'float64 "1e3"',
    'float64 "abc"',
    'float64 "1_000"',
    'int "1_000"',
    'int " 5 "',
    'int "5.0"',
    'int "-0x10"',
    'float64 "0x10"',
    'float64 "Inf"',
    'float64 "NaN"',
    'printf "%T" (int 1.5)',
    'printf "%T" (float64 1)',
    'printf "%T" (add 1 1)',
    'printf "%T" (addf 1 1)',
    'printf "%T" (max 1 2)',
    'printf "%T" (maxf 1 2)',
    'printf "%T" (round 1.5 0)',
    'printf "%T" (ceil 1.5)',
    'printf "%T" (seq 2)',
    'printf "%T" (until 2)',
    'printf "%T" (toDecimal "7")',
    'add (int "5") 1 | printf "%d"',
    'eq (add 1 1) 2',
    'eq (int "3") 3',
    'eq (float64 "3") 3.0',
    'lt (int64 1) 2',
    'eq (len .list) (int .list)',
  ]);
  calls(s, 'randInt', [
    '$r := randInt 1 5}}{{and (ge $r 1) (lt $r 5)',
    'randInt 3 4',
    'randInt 5 5',
    'printf "%T" (randInt 0 10)',
  ]);
  return s;
}

function listCases(): CaseSet {
  const s = new CaseSet('sprig-lists');
  const lists = [
    '.list',
    '.strs',
    '.mixed',
    '.emptyList',
    '.nil',
    '.str',
    '.map',
    '(list 1 1 2 2 3 1)',
    '(list nil "" 0 false "x")',
    '42',
  ];
  for (const fn of [
    'first',
    'rest',
    'last',
    'initial',
    'reverse',
    'uniq',
    'compact',
    'mustFirst',
    'mustRest',
    'mustLast',
    'mustInitial',
    'mustReverse',
    'mustUniq',
    'mustCompact',
  ]) {
    matrix(s, fn, lists);
  }
  calls(s, 'list', [
    'list',
    'list 1 "a" 2.5 true nil',
    'list .list .map',
    'tuple 1 2',
    'len (list 1 2 3)',
    'index (list "a" "b") 1',
    'printf "%v" (list (list))',
    'list | len',
  ]);
  calls(s, 'push', [
    'push .list 4',
    'append .strs "z"',
    'mustPush .list 4',
    'mustAppend .list 4',
    'push .nil 1',
    'mustPush .nil 1',
    'push .str "x"',
    'mustPush .str "x"',
    'push .emptyList "a" | len',
    '$l := list 1}}{{$m := append $l 2}}{{$l}} {{$m',
    'prepend .list 0',
    'mustPrepend .list 0',
    'prepend .nil 0',
    'prepend .str 0',
    'mustPrepend .str 0',
    'prepend .emptyList nil',
  ]);
  calls(s, 'without', [
    'without .list 2',
    'without .list 2.0',
    'without (list 1 2 1 3) 1',
    'without .strs "a" "c"',
    'without .list',
    'without .nil 1',
    'without .str "h"',
    'mustWithout .str "h"',
    'mustWithout .list 1',
    'without .users (index .users 0)',
  ]);
  calls(s, 'has', [
    'has 2 .list',
    'has 2.0 .list',
    'has "a" .strs',
    'has "z" .strs',
    'has nil .mixed',
    'has 1 .nil',
    'has 1 .str',
    'mustHas 1 .str',
    'mustHas 2.0 .list',
    '.strs | has "b"',
    'has (dict "name" "ann" "age" 31.0) .users',
  ]);
  calls(s, 'slice', [
    'slice .list 0 0',
    'slice .strs 1 2',
    'mustSlice .list 1',
    'mustSlice .list 5',
    'mustSlice .str 1',
    'slice .list -1',
    'slice .list 1.9',
    'slice .list "1"',
  ]);
  calls(s, 'concat', [
    'concat .list .strs',
    'concat .list',
    'concat',
    'concat .list .emptyList (list "x")',
    'concat .list .str',
    'concat .list .nil',
    'concat .list 5',
    'concat (list 1) (list (list 2))',
  ]);
  calls(s, 'chunk', [
    'chunk 2 .list',
    'chunk 1 .strs',
    'chunk 5 .list',
    'chunk 2 .emptyList',
    'chunk 0 .list',
    'chunk -1 .list',
    'chunk 2 .str',
    'mustChunk 2 .str',
    'mustChunk 2 (until 7)',
    'chunk 2 .nil',
  ]);
  calls(s, 'sequences', [
    'first (list)',
    'last (list)',
    'rest (list)',
    'initial (list)',
    'reverse (list)',
    'uniq (list)',
    'first .list | add1',
    'rest .strs | first',
    'reverse .strs | join ""',
    'uniq (list "a" "A" "a")',
    'uniq (list 1 1.0 "1")',
    'uniq (list .list .list (list 1))',
    'compact (list 0 1 "" "a" nil (list) (dict) false true)',
    'printf "%T" (first .strs)',
    'printf "%T" (rest .list)',
  ]);
  return s;
}

function dictCases(): CaseSet {
  const s = new CaseSet('sprig-dicts');
  calls(s, 'dict', [
    'dict',
    'dict "a" 1 "b" "two"',
    'dict "a"',
    'dict "a" 1 "b"',
    'dict 1 2',
    'dict 1.5 2',
    'dict true 1',
    'dict .nil 1',
    'dict "a" 1 "a" 2',
    'dict "" "empty key"',
    'dict "z" 1 "a" 2 "m" 3',
    '(dict "a" (dict "b" 1)).a.b',
    'len (dict "a" 1 "b" 2)',
    'printf "%T" (dict)',
    'dict "k" .list',
    '$d := dict "a" 1}}{{$d.a}}{{$d.b',
  ]);
  calls(s, 'get', [
    'get .map "a"',
    'get .map "zz"',
    'get .emptyMap "x"',
    'get (dict "a" nil) "a"',
    'get .nil "a"',
    'get .map 1',
    'printf "%q" (get .map "zz")',
  ]);
  calls(s, 'set', [
    'set (dict "a" 1) "b" 2',
    'set (dict "a" 1) "a" 2',
    '$d := dict}}{{$_ := set $d "k" "v"}}{{$d',
    'set .map "d" 4',
    'set .nil "a" 1',
    'unset (dict "a" 1 "b" 2) "a"',
    'unset (dict "a" 1) "zz"',
    '$d := dict "a" 1}}{{$_ := unset $d "a"}}{{len $d',
    'unset .nil "a"',
  ]);
  calls(s, 'hasKey', [
    'hasKey .map "a"',
    'hasKey .map "zz"',
    'hasKey .emptyMap ""',
    'hasKey (dict "a" nil) "a"',
    'hasKey .nil "a"',
    'hasKey .list "a"',
    'hasKey .map 1',
  ]);
  calls(s, 'pluck', [
    'pluck "name" (index .users 0) (index .users 1)',
    'pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3)',
    'pluck "a"',
    'pluck "a" .map .nested',
    'pluck "a" .list',
  ]);
  calls(s, 'keys', [
    'keys .map | sortAlpha',
    'keys (dict "b" 1) (dict "a" 2) | sortAlpha',
    'keys .emptyMap',
    'keys .nil',
    'keys .list',
    'keys (dict "only" 1)',
    'len (keys .map)',
    'values (dict "only" 1)',
    'values .map | len',
    'values .emptyMap',
    'values .nil',
    'values (dict "a" "x" "b" "y") | sortAlpha',
  ]);
  calls(s, 'pick', [
    'pick .map "a" "c"',
    'pick .map "zz"',
    'pick .map',
    'omit .map "a"',
    'omit .map "a" "b" "c"',
    'omit .map',
    'pick .nil "a"',
    'omit .nil "a"',
    'pick .list "a"',
  ]);
  calls(s, 'merge', [
    'merge (dict "a" 1) (dict "a" 2 "b" 3)',
    'merge (dict "a" (dict "x" 1)) (dict "a" (dict "y" 2))',
    'mergeOverwrite (dict "a" 1) (dict "a" 2 "b" 3)',
    'mergeOverwrite (dict "a" (dict "x" 1)) (dict "a" (dict "x" 5 "y" 2))',
    'merge (dict "a" "") (dict "a" "filled")',
    'mergeOverwrite (dict "a" "x") (dict "a" "")',
    'merge (dict) .map',
    'mustMerge (dict "a" 1) (dict "b" 2)',
    'mustMergeOverwrite (dict "a" 1) (dict "a" 2)',
    '$d := dict "a" 1}}{{$_ := merge $d (dict "b" 2)}}{{$d',
    'merge .nil (dict "a" 1)',
    'merge (dict "l" (list 1)) (dict "l" (list 2 3))',
    'mergeOverwrite (dict "l" (list 1 4)) (dict "l" (list 2))',
    'merge (dict "a" 0) (dict "a" 5)',
    'merge (dict "a" false) (dict "a" true)',
  ]);
  calls(s, 'dig', [
    'dig "x" "y" "z" "default" .nested',
    'dig "x" "nope" "default" .nested',
    'dig "a" "fallback" .map',
    'dig "c" "fallback" .map',
    'dig "a" "b" "fallback" .map',
    'dig "fallback" .map',
    'dig "a" "fallback" .nil',
    'dig "a" "fallback" .list',
    'dig "a" "b"',
    'dig "x" "y" "" .nested | printf "%v"',
  ]);
  calls(s, 'deepCopy', [
    'deepCopy .map',
    'deepCopy .list',
    'deepCopy .nil',
    'mustDeepCopy .nil',
    'mustDeepCopy .nested',
    '$d := dict "a" (list 1)}}{{$c := deepCopy $d}}{{$_ := set $c "a" 2}}{{$d}} {{$c',
    'deepCopy "str"',
    'deepCopy 3',
  ]);
  calls(s, 'misc', [
    'dict "a" 1 | toJson',
    '(dict "a" 1).a',
    '(dict "a" 1).b',
    'index (dict "a" 1) "b"',
    'len .map',
    'range $k, $v := dict "x" 1 "y" 2}}{{$k}}={{$v}},{{end',
  ]);
  return s;
}

function defaultsCases(): CaseSet {
  const s = new CaseSet('sprig-defaults');
  const vals = [
    '""',
    '"x"',
    '0',
    '1',
    '0.0',
    '.float',
    'true',
    'false',
    '.nil',
    '.missing',
    '.emptyList',
    '.list',
    '.emptyMap',
    '.map',
    '" "',
    '(list nil)',
  ];
  s.in('default');
  for (const v of vals) s.add(`{{default "d" ${v}}}`);
  s.in('empty');
  for (const v of vals) s.add(`{{empty ${v}}}`);
  s.in('coalesce');
  for (const v of vals) s.add(`{{coalesce ${v} "fallback"}}`);
  calls(s, 'default-misc', [
    'default "d"',
    'default',
    'default "d" "a" "b"',
    '.missing | default "d"',
    '.str | default "d"',
    'default 5 .zero',
    'printf "%T" (default 5 .nil)',
    'coalesce',
    'coalesce .nil .empty .zero',
    'coalesce .nil "" "x" "y"',
    'all',
    'all 1 "a" true',
    'all 1 "" true',
    'all .list .map',
    'any',
    'any 0 "" false',
    'any 0 "x"',
    'any .emptyList .nil',
    'ternary "yes" "no" true',
    'ternary "yes" "no" false',
    'ternary "yes" "no" .t',
    'true | ternary 1 2',
    'ternary "yes" "no" 1',
    'ternary "yes" "no" .nil',
  ]);
  calls(s, 'json', [
    'toJson .map',
    'toJson .',
    'toJson .nil',
    'toJson .str',
    'toJson .html',
    'toRawJson .html',
    'toJson .big',
    'toJson 1e21',
    'toJson 1e20',
    'toJson 0.000001',
    'toJson 1e-7',
    'toJson 3',
    'toJson 3.0',
    'toJson .float',
    'toJson .unicode',
    'toJson "\\u2028\\u0001"',
    'toJson (list)',
    'toJson (dict)',
    'toJson .emptyList',
    'toJson (list 1 nil "a")',
    'toPrettyJson .map',
    'toPrettyJson .emptyList',
    'toPrettyJson .emptyMap',
    'toPrettyJson .nested',
    'toPrettyJson 1',
    'toRawJson .map',
    'toRawJson "<&>"',
    'mustToJson .map',
    'mustToPrettyJson .list',
    'mustToRawJson .html',
    'toJson (toDate "2006-01-02" "2024-03-05")',
    'toJson (semver "1.2.3-rc.1+b5")',
    'toJson (b64dec "aGk=")',
    'toJson (urlParse "https://u:p@x.io:8/a?b=c#d")',
    'fromJson .json',
    'fromJson "{\\"a\\": 1.5, \\"b\\": \\"x\\"}"',
    '(fromJson .json).a',
    'index (fromJson .json) "b"',
    'fromJson "[1, 2]"',
    'fromJson "\\"str\\""',
    'fromJson "12345678901234567890"',
    'fromJson "null"',
    'fromJson "true"',
    'fromJson "{bad"',
    'fromJson ""',
    'printf "%T" (fromJson "{}")',
    'printf "%T" (fromJson "[1]")',
    'printf "%T" (fromJson "{bad")',
    'mustFromJson "{bad"',
    'mustFromJson "{\\"a\\":[1,{\\"b\\":null}]}"',
    'mustFromJson ""',
    'fromJson "{\\"a\\":1}" | toJson',
    '.json | fromJson | toPrettyJson',
    'fromJson "[1,2]" | len',
    'fromJson "1e400"',
  ]);
  calls(s, 'reflect', [
    'typeOf .str',
    'typeOf .int',
    'typeOf .list',
    'typeOf .map',
    'typeOf .nil',
    'typeOf 1',
    'typeOf 1.5',
    'typeOf true',
    'typeOf (list)',
    'typeOf (dict)',
    'typeOf (semver "1.0.0")',
    'typeOf (toDate "2006" "2020")',
    'typeOf (b64enc "x")',
    'typeOf (splitList "," "a")',
    'typeOf now',
    'typeIs "string" .str',
    'typeIs "float64" .int',
    'typeIs "int" 1',
    'typeIs "int" .int',
    'typeIsLike "string" .str',
    'typeIsLike "*semver.Version" (semver "1.0.0")',
    'typeIsLike "semver.Version" (semver "1.0.0")',
    'kindOf .str',
    'kindOf .int',
    'kindOf .list',
    'kindOf .map',
    'kindOf .nil',
    'kindOf 1',
    'kindOf (semver "1.0.0")',
    'kindOf (toDate "2006" "2020")',
    'kindIs "string" .str',
    'kindIs "slice" .list',
    'kindIs "map" .map',
    'kindIs "int" .int',
    'kindIs "float64" .int',
    'kindIs "invalid" .nil',
    'deepEqual .list .list',
    'deepEqual .list (list 1 2 3)',
    'deepEqual (list 1.0 2.0 3.0) .list',
    'deepEqual .map .map',
    'deepEqual 1 1',
    'deepEqual 1 1.0',
    'deepEqual .nil .nil',
    'deepEqual (dict "a" 1) (dict "a" 1)',
  ]);
  calls(s, 'fail', ['fail "custom failure"', 'fail (printf "n=%d" 3)', 'if .f}}{{fail "no"}}{{end}}ok{{""']);
  return s;
}

function encodingCases(): CaseSet {
  const s = new CaseSet('sprig-encoding');
  for (const fn of [
    'b64enc',
    'b64dec',
    'b32enc',
    'b32dec',
    'hexdec',
    'sha1sum',
    'sha256sum',
    'sha512sum',
    'adler32sum',
  ]) {
    matrix(s, fn);
  }
  calls(s, 'b64', [
    'b64dec "aGVsbG8="',
    'b64dec "aGVsbG8"',
    'b64dec "aGVs bG8="',
    'b64dec "!!!"',
    'b64dec "aGk-"',
    'b64dec ""',
    'b64dec "w6k="',
    'b64dec "/w=="',
    'b64dec "/w==" | len',
    'b64dec "/w==" | b64enc',
    'b64enc "héllo" | b64dec',
    'b64enc .str | b64dec | upper',
    'b32dec "NBSWY3DP"',
    'b32dec "NBSWY3D"',
    'b32dec "nbswy3dp"',
    'b32enc "héllo" | b32dec',
    'hexdec "68656c6c6f"',
    'hexdec "68656C6C6F"',
    'hexdec "6"',
    'hexdec "zz"',
    'hexdec ""',
    'b64enc (hexdec "ff00")',
  ]);
  calls(s, 'paths', [
    'base "/a/b/c.txt"',
    'base ""',
    'base "/"',
    'base "a/b/"',
    'dir "/a/b/c.txt"',
    'dir "c.txt"',
    'dir ""',
    'clean "/a/../b/./c//d/"',
    'clean ""',
    'clean "../../x"',
    'ext "f.tar.gz"',
    'ext "noext"',
    'ext ".hidden"',
    'isAbs "/x"',
    'isAbs "x"',
    'osBase "/a/b"',
    'osDir "/a/b"',
    'osClean "a//b"',
    'osExt "a.b"',
    'osIsAbs "/a"',
  ]);
  calls(s, 'url', [
    'urlParse "https://user:pass@example.com:8443/p/a?q=1&r=2#frag"',
    '(urlParse "https://example.com/x").host',
    '(urlParse "https://example.com:80/x").hostname',
    '(urlParse "mailto:a@b.c").opaque',
    '(urlParse "/relative/path?x").path',
    'urlParse ""',
    'urlParse "http://[::1]:80/"',
    'urlParse "%zz"',
    'urlParse "http://h/a%20b"',
    'urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f")',
    'urlJoin (dict "host" "h")',
    'urlJoin (dict "scheme" "http" "userinfo" "u:p" "host" "h:8")',
    'urlJoin (dict)',
    'urlJoin (dict "opaque" "a@b" "scheme" "mailto")',
    'urlJoin (urlParse "https://u@h.io:1/p?q#f")',
    'urlquery "a b&c" | urlParse',
  ]);
  return s;
}

function regexCases(): CaseSet {
  const s = new CaseSet('sprig-regex');
  const patterns = [
    '"[a-z]+"',
    '"^h"',
    '"o$"',
    '"(?i)HELLO"',
    '"\\\\d+"',
    '"\\\\bw\\\\w*"',
    '"(\\\\w)(\\\\w)"',
    '"(?P<first>\\\\w+) (?P<second>\\\\w+)"',
    '"\\\\p{L}+"',
    '"l+?"',
    '"(?s)l.w"',
    '"(?m)^line\\\\d$"',
    '"x*"',
    '""',
    '"[[:upper:]]"',
    '"é|ö"',
  ];
  const inputs = ['"hello world 42"', '.unicode', '.multiline', '"HELLO hello"', '""'];
  s.in('matrix');
  for (const p of patterns) {
    for (const i of inputs) {
      s.add(`{{regexMatch ${p} ${i}}}|{{regexFind ${p} ${i}}}|{{regexFindAll ${p} ${i} -1}}`);
    }
  }
  calls(s, 'replace', [
    // "$" + "{1}" is Go's ${1} group reference, kept out of JS template syntax.
    'regexReplaceAll "a(x*)b" "-ab-axxb-" "$' + '{1}W"',
    'regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W"',
    'regexReplaceAll "a(?P<x>x*)b" "-ab-axxb-" "<$x>"',
    'regexReplaceAll "a(x*)b" "-ab-axxb-" "$$"',
    'regexReplaceAll "a(x*)b" "-ab-axxb-" "$9"',
    'regexReplaceAll "" "abc" "-"',
    'regexReplaceAll "\\\\s+" "  a   b  " " "',
    'regexReplaceAll "(?i)HELLO" .str "bye"',
    'regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "$' + '{1}"',
    'regexReplaceAllLiteral "\\\\." "a.b.c" "$"',
    'mustRegexReplaceAll "(" "x" "y"',
    'mustRegexReplaceAll "a" "banana" "o"',
    'mustRegexReplaceAllLiteral "[" "x" "y"',
    'mustRegexReplaceAllLiteral "n" "banana" "$1"',
    'regexReplaceAll "é" "héllo" "e"',
    'regexReplaceAll "(a)(b)?" "ac" "[$2]"',
  ]);
  calls(s, 'findall', [
    'regexFindAll "a." "aaxabac" 2',
    'regexFindAll "a." "aaxabac" 0',
    'regexFindAll "a." "aaxabac" 1',
    'regexFindAll "z" "abc" -1',
    'regexFindAll "" "abc" -1',
    'mustRegexFindAll "(" "x" -1',
    'mustRegexFindAll "b" "abcb" -1',
    'mustRegexFind "(" "x"',
    'mustRegexFind "b+" "abbc"',
    'mustRegexMatch "(" "x"',
    'mustRegexMatch "^a" "abc"',
    'regexFind "z" "abc"',
  ]);
  calls(s, 'split', [
    'regexSplit "," "a,b,c" -1',
    'regexSplit "," "a,b,c" 2',
    'regexSplit "," "a,b,c" 0',
    'regexSplit "\\\\s*;\\\\s*" "a ; b;c" -1',
    'regexSplit "" "abc" -1',
    'regexSplit "x*" "axbxxc" -1',
    'regexSplit "," "" -1',
    'mustRegexSplit "(" "x" -1',
    'mustRegexSplit "b" "abc" -1',
    'len (regexSplit "," "a,b" -1)',
  ]);
  calls(s, 'quotemeta', [
    'regexQuoteMeta "1.5+2*[x]"',
    'regexQuoteMeta ""',
    'regexQuoteMeta "héllo$^"',
    'regexMatch (regexQuoteMeta "a.b") "a.b"',
    'regexMatch (regexQuoteMeta "a.b") "axb"',
  ]);
  calls(s, 'invalid', [
    'regexMatch "(" "x"',
    'regexMatch "[a-" "x"',
    'regexMatch "a**" "x"',
    'regexMatch "\\\\8" "x"',
    'regexMatch "(?=x)" "x"',
    'regexMatch "(?<n>x)" "x"',
    'regexMatch "x{1001}" "x"',
    'regexMatch "(?P<n>a)(?P<n>b)" "ab"',
    'regexFind "[" "x"',
    'regexFindAll "[" "x" -1',
    'regexReplaceAll "[" "x" "y"',
    'regexReplaceAllLiteral "[" "x" "y"',
    'regexSplit "[" "x" -1',
    'regexMatch "\\\\C" "x"',
    'regexMatch "\\\\Q.\\\\E" "."',
    'regexMatch "(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"',
  ]);
  return s;
}

function semverCases(): CaseSet {
  const s = new CaseSet('sprig-semver');
  const versions = [
    '"1.2.3"',
    '"v1.2.3"',
    '"1.2"',
    '"1"',
    '"1.2.3-beta.1+build.5"',
    '"01.2.3"',
    '"1.2.3.4"',
    '"bad"',
    '""',
    '"1.2.3-"',
    '" 1.2.3"',
  ];
  s.in('parse');
  for (const v of versions) {
    s.add(`{{semver ${v}}}`);
    s.add(
      `{{$v := semver ${v}}}{{$v.Major}}.{{$v.Minor}}.{{$v.Patch}}|{{$v.Prerelease}}|{{$v.Metadata}}|{{$v.Original}}`,
    );
  }
  calls(s, 'methods', [
    '(semver "1.2.3").Compare (semver "1.3.0")',
    '(semver "1.2.3").LessThan (semver "1.3.0")',
    '(semver "1.2.3").GreaterThan (semver "1.3.0")',
    '(semver "1.2.3").Equal (semver "v1.2.3")',
    '(semver "1.2.3").IncMajor',
    '(semver "1.2.3-rc1").IncPatch',
    '(semver "1.2.3").IncMinor',
    '(semver "1.2.3").String',
    '(semver "1.2.3").Major | printf "%T"',
    '(semver "1.2.3").Nope',
  ]);
  const constraints = [
    ['">=1.0.0"', '"1.2.3"'],
    ['"<1.0.0"', '"1.2.3"'],
    ['"^1.2"', '"1.9.0"'],
    ['"^1.2"', '"2.0.0"'],
    ['"^0.2.3"', '"0.2.9"'],
    ['"^0.2.3"', '"0.3.0"'],
    ['"~1.2.3"', '"1.2.9"'],
    ['"~1.2.3"', '"1.3.0"'],
    ['"1.x"', '"1.5.0"'],
    ['"1.2.*"', '"1.3.0"'],
    ['">= 1.2, < 3.0"', '"2.5.0"'],
    ['">= 1.2, < 3.0"', '"3.0.0"'],
    ['"1.2.3 - 1.4.5"', '"1.4.0"'],
    ['"<1 || >=3"', '"2.0.0"'],
    ['"!=1.2.3"', '"1.2.3"'],
    ['">1.0.0-0"', '"1.2.3-beta"'],
    ['">=1.0.0"', '"1.2.3-beta"'],
    ['"=1.2.3"', '"v1.2.3"'],
    ['"*"', '"0.0.1"'],
    ['">=1.0"', '"bad"'],
    ['"bad constraint"', '"1.0.0"'],
    ['"^1.2"', '""'],
  ];
  s.in('compare');
  for (const [c, v] of constraints) s.add(`{{semverCompare ${c} ${v}}}`);
  return s;
}

function dateCases(): CaseSet {
  const s = new CaseSet('sprig-dates');
  const when = '(toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T07:08:09+02:00")';
  const layouts = [
    '"2006-01-02"',
    '"2006-01-02T15:04:05Z07:00"',
    '"Mon Jan _2 15:04:05 MST 2006"',
    '"02 Jan 06 15:04 -0700"',
    '"Monday, 2 January 2006 3:04PM"',
    '"15:04:05.000"',
    '"2006-01-02 15:04:05.999999999 -0700 MST"',
    '"Jan 2 \'06 at 3pm"',
    '"__2 002"',
    '"06/1/2 Z07 Z0700 -07 -07:00:00"',
    '"no layout here"',
    '""',
  ];
  s.in('layouts');
  for (const l of layouts) s.add(`{{date ${l} ${when}}}`);
  calls(s, 'date-inputs', [
    'date "2006-01-02 15:04:05 MST" 0',
    'date "2006-01-02 15:04:05 MST" 1700000000',
    'date "2006-01-02" -86400',
    'date "2006-01-02 15:04" (int64 1700000000)',
    'date "2006-01-02" (toDate "2006-01-02" "1999-12-31")',
    `${when}`,
    `${when} | date "Jan 2"`,
    `unixEpoch ${when}`,
    'unixEpoch (toDate "2006-01-02" "1960-01-01")',
    'htmlDate 0',
    `htmlDate ${when}`,
    `htmlDateInZone ${when} "Asia/Tokyo"`,
    'htmlDateInZone 86399 "America/Los_Angeles"',
  ]);
  calls(s, 'zones', [
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "UTC"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "America/New_York"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1690000000 "America/New_York"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Europe/Berlin"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Asia/Kolkata"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Australia/Lord_Howe"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Asia/Kathmandu"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Local"',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 ""',
    'dateInZone "2006-01-02 15:04 MST -0700" 1700000000 "Not/AZone"',
    `date_in_zone "2006-01-02 15:04 MST" ${when} "Europe/London"`,
    'dateInZone "2006-01-02 15:04 MST" (toDate "2006-01-02" "2024-07-01") "Europe/Paris"',
  ]);
  calls(s, 'toDate', [
    'toDate "2006-01-02" "2024-02-29"',
    'toDate "2006-01-02" "2023-02-29"',
    'toDate "2006-01-02" "not a date"',
    'toDate "02/01/2006 15:04" "31/12/2023 23:59"',
    'toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T07:08:09-05:30"',
    'toDate "2006-01-02 15:04 MST" "2024-03-05 07:08 EST"',
    'toDate "2006-01-02 15:04 MST" "2024-03-05 07:08 PST"',
    'toDate "Jan 2 2006" "Feb 30 2024"',
    'toDate "2006-01-02T15:04:05.000Z" "2024-03-05T07:08:09.123Z"',
    'mustToDate "2006-01-02" "2024-01-01"',
    'mustToDate "2006-01-02" "bogus"',
    'mustToDate "2006-01-02" ""',
    'toDate "2006" "2024" | date "2006-01-02"',
    '(toDate "2006-01-02" "2024-03-05").Year',
    '(toDate "2006-01-02" "2024-03-05").Weekday',
    '(toDate "2006-01-02" "2024-03-05").YearDay',
    '(toDate "2006-01-02" "2024-03-05").Unix',
    '(toDate "2006-01-02" "2024-03-05").Format "Jan 2"',
    '(toDate "2006-01-02" "2024-03-05").UTC',
    '(toDate "2006-01-02" "2024-03-05").IsZero',
    '(toDate "2006-01-02" "junk").IsZero',
  ]);
  calls(s, 'modify', [
    `dateModify "+1h30m" ${when}`,
    `dateModify "-48h" ${when}`,
    `dateModify "1.5h" ${when}`,
    `dateModify "bad" ${when}`,
    `date_modify "10m" ${when}`,
    `mustDateModify "-1s" ${when}`,
    `mustDateModify "bad" ${when}`,
    `must_date_modify "2h" ${when}`,
    `${when} | dateModify "24h" | date "2006-01-02"`,
  ]);
  calls(s, 'duration', [
    'duration 0',
    'duration 59',
    'duration 3661',
    'duration "95"',
    'duration 86400',
    'duration -5',
    'duration 1.5',
    'duration "x"',
    'duration .int',
    'durationRound "2h5m"',
    'durationRound "1h59m"',
    'durationRound "400h"',
    'durationRound "9000h"',
    'durationRound "90s"',
    'durationRound "1ms"',
    'durationRound "-3h"',
    'durationRound "bad"',
    'durationRound 3600000000000',
    'durationRound (int64 86400000000000)',
    'durationRound 1.5',
    'durationRound ""',
  ]);
  calls(s, 'now-properties', [
    'typeOf now',
    'len (date "2006" now)',
    'gt (unixEpoch now | int64) 1700000000',
    'regexMatch "^\\\\d+[smh]" (ago (toDate "2006" "2020"))',
    'date "2006-01-02" .str | len',
  ]);
  return s;
}

function cryptoCases(fixtures: Record<string, string>): CaseSet {
  const s = new CaseSet('sprig-crypto');
  const fixturesAes = fixtures['aesCiphertext'] ?? '';
  calls(s, 'sums', [
    'sha1sum "hello"',
    'sha256sum "hello"',
    'sha512sum ""',
    'adler32sum "hello"',
    'sha256sum .unicode',
    'sha256sum (b64dec "/w==")',
  ]);
  calls(s, 'bcrypt', [
    'len (bcrypt "password")',
    'hasPrefix "$2a$10$" (bcrypt "password")',
    'htpasswd "user" "pass" | hasPrefix "user:$2a$10$"',
    'len (htpasswd "user" "pass")',
    'htpasswd "us:er" "pass"',
    'htpasswd "" "pass" | hasPrefix ":$2a$"',
  ]);
  calls(s, 'derivePassword', [
    'derivePassword 1 "long" "password" "user" "example.com"',
    'derivePassword 2 "maximum" "password" "user" "example.com"',
    'derivePassword 1 "pin" "password" "user" "example.com"',
    'derivePassword 1 "basic" "pw" "u" "site"',
    'derivePassword 1 "nonsense" "pw" "u" "site"',
  ]);
  calls(s, 'keys', [
    'genPrivateKey "ecdsa" | hasPrefix "-----BEGIN EC PRIVATE KEY-----"',
    'genPrivateKey "ed25519" | hasPrefix "-----BEGIN PRIVATE KEY-----"',
    'genPrivateKey "bogus"',
    'genPrivateKey ""',
    '$ca := genCA "test-ca" 30}}{{hasPrefix "-----BEGIN CERTIFICATE-----" $ca.Cert}} {{hasPrefix "-----BEGIN RSA PRIVATE KEY-----" $ca.Key}}{{""',
    '$c := genSelfSignedCert "host" (list "10.0.0.1") (list "a.example") 30}}{{certSANs $c.Cert}}{{""',
    '$ca := genCA "ca" 30}}{{$c := genSignedCert "leaf" nil (list "l.example") 30 $ca}}{{certSANs $c.Cert}} {{filterCertChain "leaf" (print $c.Cert $ca.Cert) | eq $c.Cert}}{{""',
    'typeOf (genCA "x" 1)',
    '$k := genPrivateKey "ecdsa"}}{{$ca := genCAWithKey "ca" 30 $k}}{{eq $ca.Key $k}}{{""',
    'genCAWithKey "ca" 30 "not a key"',
    'genSelfSignedCertWithKey "h" nil nil 30 "not a key"',
    '$k := genPrivateKey "ecdsa"}}{{$ca := genCA "ca" 30}}{{$c := genSignedCertWithKey "leaf" nil (list "k.example") 30 $ca $k}}{{certSANs $c.Cert}} {{eq $c.Key $k}}{{""',
    '$k := genPrivateKey "ed25519"}}{{$c := genSelfSignedCertWithKey "h" (list "10.1.1.1") nil 30 $k}}{{certSANs $c.Cert}}{{""',
    'genSignedCertWithKey "leaf" nil nil 30 (genCA "ca" 1) "bad key"',
  ]);
  const pem = { cert: fixtures['leafCert'] ?? '', key: fixtures['leafKeyEC'] ?? '' };
  s.in('buildCustomCert');
  for (const t of [
    '{{$c := buildCustomCert (b64enc .cert) (b64enc .key)}}{{eq $c.Cert .cert}} {{eq $c.Key .key}}',
    '{{$c := buildCustomCert (b64enc .cert) (b64enc .key)}}{{certSANs $c.Cert}}',
    '{{buildCustomCert "not base64" (b64enc .key)}}',
    '{{buildCustomCert (b64enc .cert) "not base64"}}',
    '{{buildCustomCert (b64enc "junk") (b64enc .key)}}',
    '{{buildCustomCert (b64enc .cert) (b64enc "junk")}}',
    '{{typeOf (buildCustomCert (b64enc .cert) (b64enc .key))}}',
  ]) {
    s.add(t, pem);
  }
  calls(s, 'aes', [
    `decryptAES "aes-password" "${fixturesAes}"`,
    `decryptAES "wrong" "${fixturesAes}"`,
    'decryptAES "k" "not base64!"',
    'decryptAES "k" "c2hvcnQ="',
    'decryptAES "k" ""',
    'encryptAES "k" "round trip" | decryptAES "k"',
    'encryptAES "" "" | decryptAES ""',
    'len (encryptAES "k" "sixteen bytes!!!")',
    'len (encryptAES "k" "")',
  ]);
  calls(s, 'uuid-randbytes', [
    'len uuidv4',
    'regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" uuidv4',
    'len (randBytes 12)',
    'len (randBytes 12 | b64dec)',
    'randBytes 0',
    'randBytes -1',
  ]);
  return s;
}

/** `fixtures` is test/unit/template/corpus/fixtures.json (certificates, keys, an AES ciphertext). */
export function sprigCaseSets(fixtures: Record<string, string>): CaseSet[] {
  return [
    stringCases(),
    mathCases(),
    listCases(),
    dictCases(),
    defaultsCases(),
    encodingCases(),
    regexCases(),
    semverCases(),
    dateCases(),
    cryptoCases(fixtures),
  ];
}
