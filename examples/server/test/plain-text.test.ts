import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainLabel, plainText } from '../src/plain-text.js';

describe('plainText', () => {
  it('removes tags, comments, CDATA and processing instructions', () => {
    assert.equal(plainText('<img src=x onerror=alert(1)>hi<script>alert(2)</script>'), 'hialert(2)');
    assert.equal(plainText('a<!-- secret -->b<![CDATA[<x>]]>c<?php echo 1 ?>d'), 'abcd');
    assert.equal(plainText('<svg/onload=alert(1)>'), '');
    assert.equal(plainText('<a href="javascript:alert(1)">click</a>'), 'click');
  });

  it('repeats until no markup is left, so split tags cannot reassemble', () => {
    assert.equal(plainText('<scr<b>ipt>alert(1)</scr</b>ipt>'), 'alert(1)');
    assert.doesNotMatch(plainText('<<img src=x onerror=1>img src=x onerror=2>'), /<img/);
  });

  it('keeps ordinary text with angle brackets', () => {
    assert.equal(plainText('if a < b and b > c'), 'if a < b and b > c');
    assert.equal(plainText('love you <3'), 'love you <3');
    assert.equal(plainText('2 <= 3'), '2 <= 3');
  });

  it('drops control characters and bidi overrides, keeps tabs, newlines and isolates', () => {
    assert.equal(plainText('a\u0000b\u0007c\td\r\ne'), 'abc\td\ne');
    assert.equal(plainText('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(plainText('\u2067שלום\u2069'), '\u2067שלום\u2069');
  });

  it('makes one-line labels', () => {
    assert.equal(plainLabel('  Ada\n<b>Lovelace</b>  ', 100), 'Ada Lovelace');
    assert.equal(plainLabel('x'.repeat(300), 255).length, 255);
  });
});
