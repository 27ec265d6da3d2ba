// Go strings are bytes: binary data (a PKCS#12 archive, ciphertext, random bytes) decoded with b64dec/b32dec/hexdec
// must keep every byte through the engine, not turn into U+FFFD. Outputs of Go for these templates are known facts
// (strconv.Quote writes a stray byte as \xNN; encoding/json writes it as \ufffd).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesToGoString,
  goByteLength,
  goStringToBytes,
  toValidUtf8,
} from '../../../src/template/functions/crypto-bytes.js';
import { renderTemplate } from '../../../src/template/index.js';

const render = (text: string, data: unknown = null) => renderTemplate('t', text, data);

describe('binary-safe strings', () => {
  it('round-trips every byte value through bytes -> string -> bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = bytesToGoString(all);
    assert.deepEqual(goStringToBytes(s), all);
    assert.equal(goByteLength(s), 256);
    // Split and truncated runes, overlong forms and encoded surrogates are bytes, not characters.
    for (const bytes of [
      [0xe2, 0x82],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff, 0x41],
    ]) {
      const b = Uint8Array.from(bytes);
      assert.deepEqual(goStringToBytes(bytesToGoString(b)), b, JSON.stringify(bytes));
    }
  });

  it('keeps valid text, a leading BOM and astral characters unchanged', () => {
    for (const text of ['plain', '\ufeffbom', 'héllo ✓ 😀', '']) {
      assert.equal(bytesToGoString(goStringToBytes(text)), text);
      assert.equal(goByteLength(text), Buffer.byteLength(text));
    }
  });

  it('b64dec, b32dec and hexdec keep binary bytes for b64enc, len and sha256sum', () => {
    assert.equal(render('{{b64dec "/w==" | len}}'), '1');
    assert.equal(render('{{b64dec "/w==" | b64enc}}'), '/w==');
    assert.equal(render('{{b64dec "AP8Agw==" | b32enc | b32dec | b64enc}}'), 'AP8Agw==');
    assert.equal(render('{{hexdec "ff00" | b64enc}}'), '/wA=');
    assert.equal(render('{{hexdec "c3" | len}}'), '1');
    assert.equal(
      render('{{sha256sum (b64dec "/w==")}}'),
      'a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89',
    );
  });

  it('joins bytes of a rune split across strings, as Go does', () => {
    assert.equal(render('{{printf "%s%s" (hexdec "e282") (hexdec "ac")}}'), '€');
    assert.equal(render('{{"\\xe2\\x82\\xac"}}'), '€');
  });

  it('quotes stray bytes as \\xNN, like strconv.Quote', () => {
    assert.equal(render('{{printf "%q" (b64dec "/w==")}}'), '"\\xff"');
    assert.equal(render('{{quote (hexdec "ff41")}}'), '"\\xffA"');
    assert.equal(render('{{printf "%x" (hexdec "ff41")}}'), 'ff41');
  });

  it('hexdec returns Go error text for bad input, as ESO does', () => {
    assert.equal(render('{{hexdec "zz"}}'), "encoding/hex: invalid byte: U+007A 'z'");
    assert.equal(render('{{hexdec "123"}}'), 'encoding/hex: odd length hex string');
    assert.equal(render('{{hexdec "12g"}}'), "encoding/hex: invalid byte: U+0067 'g'");
    assert.equal(render('{{hexdec "68656C6C6F"}}'), 'hello');
  });

  it('writes stray bytes as U+FFFD only when producing JSON text (toValidUtf8)', () => {
    assert.equal(toValidUtf8(bytesToGoString(Uint8Array.from([0x61, 0xff, 0xe2, 0x82]))), 'a\ufffd\ufffd\ufffd');
    assert.equal(toValidUtf8('\u{10080}'), '\u{10080}'); // a pair whose low half lies in the escape range
  });
});
