// The op locator's static part: which export a function is, read from its module's source at the function's location.
import test from 'ava';
import { exportNameAt } from '../../../src/bundle/export-at.ts';

// The location V8 reports: just after the function's name (at its parameters), 0-based.
function at(source: string, marker: string): { lineNumber: number; columnNumber: number } {
  const lines = source.split('\n');
  const lineNumber = lines.findIndex((l) => l.includes(marker));
  return { lineNumber, columnNumber: lines[lineNumber]!.indexOf(marker) };
}

test('export function / async / default / const arrow forms name their export', (t) => {
  const src = 'export function relax(a) {}\nexport async function fit(b) {}\nexport default function (c) {}\nexport const go = async (d) => d;\n';
  t.is(exportNameAt(src, at(src, '(a)')), 'relax');
  t.is(exportNameAt(src, at(src, '(b)')), 'fit');
  t.is(exportNameAt(src, at(src, '(c)')), 'default');
  t.is(exportNameAt(src, at(src, '(d)')), 'go');
});

test('a declaration exported by an export clause, also minified as tsx emits it, and under an alias', (t) => {
  const tsx = 'var __name=(t,v)=>t;import{x}from"y";function square(items){return items}__name(square,"square");const cube=__name(q=>q,"cube");if(a){await b()}export{square,cube as third};';
  t.is(exportNameAt(tsx, { lineNumber: 0, columnNumber: tsx.indexOf('(items)') }), 'square');
  t.is(exportNameAt(tsx, { lineNumber: 0, columnNumber: tsx.indexOf('q=>q') }), 'third');
});

test('closures, locals and unexported functions are not exports', (t) => {
  const src = 'export function outer() {\n  return function inner(e) {};\n}\nfunction hidden(f) {}\nif (x) {\n  const local = (g) => g;\n}\nexport { other } from "./m.js";\n';
  t.is(exportNameAt(src, at(src, '(e)')), null);
  t.is(exportNameAt(src, at(src, '(f)')), null);
  t.is(exportNameAt(src, at(src, '(g)')), null);
});
