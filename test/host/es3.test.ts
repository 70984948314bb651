// The host scripts are ECMAScript 3, as ExtendScript is: checked statically, and run where
// nothing newer exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkEs3, createEs3Context } from '../host-sim/es3.js';

const HOST_SCRIPTS = fileURLToPath(new URL('../../host-scripts/', import.meta.url));
const FILES = readdirSync(HOST_SCRIPTS).filter((f) => f.endsWith('.jsx'));

describe('host scripts', () => {
  it('are all here: Premiere, After Effects and the JSON polyfill', () => {
    expect(FILES.sort()).toEqual(['aftereffects.jsx', 'json.jsx', 'premiere.jsx', 'request.jsx']);
  });

  it.each(FILES)('%s is plain ECMAScript 3 with no ES5 built-ins', (file) => {
    expect(checkEs3(readFileSync(join(HOST_SCRIPTS, file), 'utf8'), file)).toEqual([]);
  });
});

describe('the ES3 check', () => {
  it.each([
    ['let x = 1;', 'not ECMAScript 3'],
    ['var f = () => 1;', 'not ECMAScript 3'],
    ['var o = { a: 1, };', 'not ECMAScript 3'],
    ['var o = { get a() { return 1; } };', 'not ECMAScript 3'],
    ['var o = x.default;', 'reserved word'],
    ['var o = { class: 1 };', 'reserved word'],
    ['[1].forEach(function () {});', '.forEach'],
    ['var k = Object.keys(o);', '.keys'],
    ['var s = " a ".trim();', '.trim'],
    ['var t = Date.now();', '.now'],
    ['var g = f.bind(null);', '.bind'],
    ['var i = a.indexOf(1);', '.indexOf'],
    ['var b = Array.isArray(a);', '.isArray'],
    ['var s = JSON.stringify(1);', 'without //@include "json.jsx"'],
  ])('rejects %s', (source, problem) => {
    expect(checkEs3(source, 'x.jsx').join('\n')).toContain(problem);
  });

  it('accepts JSON once the polyfill is included', () => {
    expect(checkEs3('//@include "json.jsx"\nvar s = JSON.stringify(1);', 'x.jsx')).toEqual([]);
  });
});

describe('the ES3 run-time context', () => {
  it.each([
    '[].forEach', '[].map', '[].filter', '[].reduce', '[].indexOf', 'Object.keys', 'Object.create', '"".trim',
    'Date.now', '(function () {}).bind', 'Array.isArray', 'JSON', 'Symbol', 'Promise', 'globalThis', 'Map',
  ])('has no %s', (expression) => {
    expect(createEs3Context().run(`typeof ${expression}`)).toBe('undefined');
  });

  it('keeps what ES3 has, such as split, replace with a function and toFixed', () => {
    const es = createEs3Context();
    expect(es.run('"a-b".split("-").join("+") + "x".replace(/x/g, function (c) { return c + c; }) + (1.5).toFixed(2)')).toBe('a+bxx1.50');
  });

  it('hands scripts arrays of its own realm, without ES5 methods', () => {
    const es = createEs3Context();
    es.define({ list: es.array([1, 2]) });
    expect(es.run('typeof list.forEach + ":" + list.length')).toBe('undefined:2');
  });
});

describe('the JSON polyfill', () => {
  function polyfilled() {
    const es = createEs3Context();
    es.runFile(join(HOST_SCRIPTS, 'json.jsx'));
    return es;
  }

  it('round-trips what the host scripts send, escaping non-ASCII and line separators', () => {
    const value = { path: 'C:\\Clips\\é "quoted"\u2028.mov', n: [0, -1.5, 254016000000], ok: true, none: null, nested: { a: [] } };
    const text = polyfilled().run(`JSON.stringify(${JSON.stringify(value)})`) as string;
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).toEqual(value);
    expect(polyfilled().run(`JSON.stringify(JSON.parse(${JSON.stringify(text)}))`)).toBe(text);
  });

  it('refuses text that is not JSON instead of evaluating it', () => {
    expect(() => polyfilled().run('JSON.parse("alert(1)")')).toThrow(/not JSON/);
  });

  it('leaves a JSON that another script defined alone', () => {
    const es = createEs3Context();
    es.run('JSON = { stringify: function () { return "theirs"; }, parse: function () { return 1; } };');
    es.runFile(join(HOST_SCRIPTS, 'json.jsx'));
    expect(es.run('JSON.stringify({})')).toBe('theirs');
  });
});
