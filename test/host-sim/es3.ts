// ExtendScript is ECMAScript 3. Host scripts run here in a vm context stripped down to the
// ES3 built-ins, so a call to anything newer fails at run time as it would in the host; and
// a static check (acorn at ecmaVersion 3 plus a list of ES5 members) catches it before that.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';

const ES3_GLOBALS = [
  'Object', 'Function', 'Array', 'String', 'Boolean', 'Number', 'Date', 'RegExp', 'Math',
  'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'NaN', 'Infinity', 'undefined', 'eval', 'parseInt', 'parseFloat', 'isNaN', 'isFinite',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
];

const FN = ['length', 'name', 'prototype'];
const PROTO = ['constructor', 'toString', 'toLocaleString', 'valueOf'];

/** String-keyed own properties each ES3 built-in keeps; everything else is deleted. */
const ES3_MEMBERS: Record<string, string[]> = {
  Object: FN,
  'Object.prototype': [...PROTO, 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'],
  Function: FN,
  'Function.prototype': [...FN, 'constructor', 'toString', 'apply', 'call', 'arguments', 'caller'],
  Array: FN,
  'Array.prototype': [...PROTO, 'length', 'concat', 'join', 'pop', 'push', 'reverse', 'shift', 'slice', 'sort', 'splice', 'unshift'],
  String: [...FN, 'fromCharCode'],
  'String.prototype': [
    ...PROTO, 'length', 'charAt', 'charCodeAt', 'concat', 'indexOf', 'lastIndexOf', 'localeCompare', 'match',
    'replace', 'search', 'slice', 'split', 'substr', 'substring', 'toLowerCase', 'toLocaleLowerCase',
    'toUpperCase', 'toLocaleUpperCase',
  ],
  Boolean: FN,
  'Boolean.prototype': PROTO,
  Number: [...FN, 'MAX_VALUE', 'MIN_VALUE', 'NaN', 'NEGATIVE_INFINITY', 'POSITIVE_INFINITY'],
  'Number.prototype': [...PROTO, 'toFixed', 'toExponential', 'toPrecision'],
  Date: [...FN, 'parse', 'UTC'],
  'Date.prototype': [
    ...PROTO, 'toDateString', 'toTimeString', 'toLocaleDateString', 'toLocaleTimeString', 'toUTCString', 'toGMTString',
    'getTime', 'setTime', 'getTimezoneOffset', 'getYear', 'setYear',
    ...['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds'].flatMap((u) => [
      `get${u}`, `getUTC${u}`, `set${u}`, `setUTC${u}`,
    ]),
  ],
  Math: [
    'E', 'LN10', 'LN2', 'LOG2E', 'LOG10E', 'PI', 'SQRT1_2', 'SQRT2', 'abs', 'acos', 'asin', 'atan', 'atan2',
    'ceil', 'cos', 'exp', 'floor', 'log', 'max', 'min', 'pow', 'random', 'round', 'sin', 'sqrt', 'tan',
  ],
  Error: [...FN],
  'Error.prototype': ['constructor', 'name', 'message', 'toString'],
};

// Runs inside the context, with that context's built-ins.
function strip(globals: string[], members: Record<string, string[]>): void {
  const g = globalThis as unknown as Record<string, Record<string, unknown>>;
  const names = Object.getOwnPropertyNames;
  const includes = Array.prototype.includes; // captured: the loop below deletes it
  const keeps = (list: string[], key: string) => includes.call(list, key);
  const targets: Array<[Record<string, unknown>, string[]]> = [];
  for (const path of Object.keys(members)) {
    const [root, sub] = path.split('.') as [string, string | undefined];
    targets.push([sub ? (g[root]![sub] as Record<string, unknown>) : g[root]!, members[path]!]);
  }
  for (const [target, keep] of targets) {
    for (const key of names(target)) if (!keeps(keep, key)) delete target[key];
  }
  for (const key of names(g)) if (!keeps(globals, key)) delete g[key];
}

export interface Es3Context {
  context: vm.Context;
  /** Runs a .jsx file, first running the files it names in `//@include "file"` lines. */
  runFile(path: string): void;
  run(source: string, filename?: string): unknown;
  /** An array made in the script's realm, so it has only the ES3 array methods. */
  array<T>(items: Iterable<T>): T[];
  /** Sets host globals (app, Time, File, ...). */
  define(globals: Record<string, unknown>): void;
}

/** What CEP's bridge does with a host's script context, whichever context is current. */
export abstract class CepScriptHost {
  protected abstract es(): Es3Context;

  /** Calls a host function the way the CEP bridge does: one string literal argument, a string back. */
  call(fn: string, json?: string): string {
    return String(this.es().run(`${fn}(${json === undefined ? '' : JSON.stringify(json)})`));
  }

  /** CSInterface.evalScript: the completion value as a string, or "EvalScript error." when the script throws. */
  readonly evalScript = (script: string, callback: (result: string) => void): void => {
    let result: string;
    try {
      result = String(this.es().run(script));
    } catch {
      result = 'EvalScript error.';
    }
    setImmediate(() => callback(result));
  };
}

export function createEs3Context(): Es3Context {
  const context = vm.createContext({});
  vm.runInContext(`(${strip.toString()})(${JSON.stringify(ES3_GLOBALS)}, ${JSON.stringify(ES3_MEMBERS)})`, context);
  const ScriptArray = vm.runInContext('Array', context) as ArrayConstructor;
  const included = new Set<string>();
  const runFile = (path: string): void => {
    const full = resolve(path);
    const source = readFileSync(full, 'utf8');
    for (const m of source.matchAll(/^\/\/@include\s+"([^"]+)"/gm)) {
      const dep = resolve(dirname(full), m[1]!);
      if (!included.has(dep)) {
        included.add(dep);
        runFile(dep);
      }
    }
    vm.runInContext(source, context, { filename: full });
  };
  return {
    context,
    runFile,
    run: (source, filename = 'evalScript') => vm.runInContext(source, context, { filename }),
    array<T>(items: Iterable<T>): T[] {
      const a = new ScriptArray() as T[];
      for (const item of items) a.push(item);
      return a;
    },
    define(globals) {
      Object.assign(context, globals);
    },
  };
}

/** Members that ES3 lacks; `indexOf` is listed because a parser cannot tell an array from a string. */
const ES5_MEMBERS = new Set([
  'forEach', 'map', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'indexOf', 'lastIndexOf',
  'trim', 'trimLeft', 'trimRight', 'bind', 'isArray', 'keys', 'create', 'defineProperty',
  'defineProperties', 'getPrototypeOf', 'getOwnPropertyNames', 'freeze', 'seal', 'now', 'toISOString', 'toJSON',
]);
const ES5_GLOBALS = new Set(['JSON', 'globalThis', 'Symbol', 'Promise', 'Map', 'Set', 'WeakMap', 'Reflect', 'Proxy']);
// ES3 forbids these as property names (`x.default`, `{ class: 1 }`); acorn lets them through.
const RESERVED = new Set(
  ('break case catch continue default delete do else finally for function if in instanceof new return switch this throw ' +
    'try typeof var void while with abstract boolean byte char class const debugger double enum export extends final ' +
    'float goto implements import int interface long native package private protected public short static super ' +
    'synchronized throws transient volatile null true false').split(' '),
);
const JSON_INCLUDE = /^\/\/@include\s+"json\.jsx"/m;

/** Problems that would break the file in ExtendScript; empty when it is plain ES3. */
export function checkEs3(source: string, file: string): string[] {
  let ast;
  try {
    ast = parse(source, { ecmaVersion: 3, locations: true });
  } catch (e) {
    return [`${file}: not ECMAScript 3: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const mayUseJson = JSON_INCLUDE.test(source) || file.endsWith('json.jsx');
  simple(ast, {
    MemberExpression(node) {
      const { property, computed } = node;
      if (computed || property.type !== 'Identifier') return;
      if (ES5_MEMBERS.has(property.name)) problems.push(`${file}:${node.loc!.start.line}: .${property.name} is not in ECMAScript 3`);
      if (RESERVED.has(property.name)) problems.push(`${file}:${node.loc!.start.line}: .${property.name} is a reserved word in ECMAScript 3`);
    },
    Property(node) {
      if (node.key.type === 'Identifier' && RESERVED.has(node.key.name)) {
        problems.push(`${file}:${node.loc!.start.line}: ${node.key.name} is a reserved word in ECMAScript 3`);
      }
    },
    Identifier(node) {
      if (ES5_GLOBALS.has(node.name) && !(node.name === 'JSON' && mayUseJson)) {
        problems.push(`${file}:${node.loc!.start.line}: ${node.name} is not in ExtendScript${node.name === 'JSON' ? ' without //@include "json.jsx"' : ''}`);
      }
    },
  });
  return problems;
}
