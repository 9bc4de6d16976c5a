// The edge's input checks: URLs that are not percent-encoded UTF-8 or decode
// to a NUL, and JSON bodies that are not UTF-8, nest too deep or carry NUL
// or unpaired surrogates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, parseJsonBody, urlProblem } from '../../../src/api/request-input.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('urlProblem', () => {
  it('accepts ordinary paths and query strings, including encoded UTF-8, + and literal %25', () => {
    for (const url of ['/v2.1/servers', '/v2.1/servers/%C3%A9t%C3%A9?name=a+b&name=%25&limit=1', '/v2.1/servers?', '/x?a&b=&=c']) {
      assert.equal(urlProblem(url), null, url);
    }
  });

  it('names what is wrong with the path or the query string', () => {
    const cases: Array<[string, string]> = [
      ['/v2.1/servers/%zz', 'path-encoding'],
      ['/v2.1/servers/%ff', 'path-encoding'],
      ['/v2.1/servers/%ED%A0%80', 'path-encoding'], // a UTF-16 surrogate written as UTF-8
      ['/v2.1/servers/100%', 'path-encoding'],
      ['/v2.1/flavors/%00', 'path-nul'],
      ['/v2.1/servers?image=%00', 'query-nul'],
      ['/v2.1/servers?%00=1', 'query-nul'],
      ['/v2.1/servers?name=%ff', 'query-encoding'],
      ['/v2.1/servers?name=%zz', 'query-encoding'],
      ['/v2.1/servers?name=ok&limit=%C3', 'query-encoding'],
    ];
    for (const [url, problem] of cases) assert.equal(urlProblem(url), problem, url);
  });
});

describe('parseJsonBody', () => {
  it('takes an empty body as no body and parses JSON from text or UTF-8 bytes', () => {
    assert.deepEqual(parseJsonBody(undefined), { ok: true, value: undefined });
    assert.deepEqual(parseJsonBody(Buffer.alloc(0)), { ok: true, value: undefined });
    assert.deepEqual(parseJsonBody('{"a": ["é", 1]}'), { ok: true, value: { a: ['é', 1] } });
    assert.deepEqual(parseJsonBody(Buffer.from('{"name": "vm-\u{1F680}"}')), { ok: true, value: { name: 'vm-\u{1F680}' } });
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, also far deeper, without parsing it`, () => {
    assert.equal(parseJsonBody(nested(MAX_JSON_DEPTH)).ok, true);
    assert.deepEqual(parseJsonBody(nested(MAX_JSON_DEPTH + 1)), { ok: false, problem: 'too-deep' });
    assert.deepEqual(parseJsonBody(`{"a":${nested(100_000)}}`), { ok: false, problem: 'too-deep' });
    // Brackets inside strings, escaped quotes included, do not count.
    assert.equal(parseJsonBody(JSON.stringify({ s: `\\"${'['.repeat(500)}` })).ok, true);
  });

  it('refuses bytes that are not UTF-8 and text that is not JSON as malformed', () => {
    assert.deepEqual(parseJsonBody(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), { ok: false, problem: 'malformed' });
    assert.deepEqual(parseJsonBody('{nope'), { ok: false, problem: 'malformed' });
  });

  it('refuses a NUL or an unpaired surrogate in any key or string, however nested', () => {
    assert.deepEqual(parseJsonBody('{"server": {"name": "a\\u0000b"}}'), { ok: false, problem: 'nul' });
    assert.deepEqual(parseJsonBody('{"server": {"metadata": {"k\\u0000": "v"}}}'), { ok: false, problem: 'nul' });
    assert.deepEqual(parseJsonBody('[[["\\u0000"]]]'), { ok: false, problem: 'nul' });
    assert.deepEqual(parseJsonBody('{"name": "\\ud800"}'), { ok: false, problem: 'unpaired-surrogate' });
    assert.deepEqual(parseJsonBody('{"\\udc00x": 1}'), { ok: false, problem: 'unpaired-surrogate' });
    assert.equal(parseJsonBody('{"name": "\\ud83d\\ude80"}').ok, true);
  });
});
