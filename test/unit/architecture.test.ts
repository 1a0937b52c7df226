// The import graph of src/: no module imports itself back through others (no cycle), and every import between two
// folders goes down the layers listed below (ARCHITECTURE.md explains them). Reads the import lines of each .ts file.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

// Lowest first. A module may import from its own folder and from folders of LOWER layers only.
// `(base)` = the top-level helper files of src/ (errors.ts, log.ts, own-path.ts, main-script.ts); `(api)` = src/index.ts.
const LAYERS: readonly (readonly string[])[] = [
  ['(base)'],
  ['resources', 'codec'],
  ['config'],
  ['transport', 'scheduler'],
  ['store', 'bundle', 'pool'],
  ['runner'],
  ['system', 'routing'],
  ['job'],
  ['admin', 'autopara', 'fit', 'dashboard'],
  ['(api)'],
];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

// src-relative module path -> src-relative (or ../-prefixed, when outside src) paths of what it imports.
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const rel of readdirSync(SRC, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts')) continue;
    const file = join(SRC, rel);
    const targets = new Set<string>();
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) targets.add(relative(SRC, resolve(dirname(file), spec)));
    }
    graph.set(rel, [...targets]);
  }
  return graph;
}

function areaOf(rel: string): string {
  if (!rel.includes('/')) return rel === 'index.ts' ? '(api)' : '(base)';
  return rel.split('/')[0]!;
}

function layerOf(area: string): number {
  return LAYERS.findIndex((l) => l.includes(area));
}

// Every elementary cycle found by a depth-first walk (one per back edge), each as a path a -> b -> ... -> a.
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

test('no module of src imports itself back through other modules', (t) => {
  const cycles = findCycles(importGraph());
  t.deepEqual(cycles.map((c) => c.join(' -> ')), [], 'import cycles (break each by moving the shared part down)');
});

test('every folder of src has a layer, and imports between folders only go down the layers', (t) => {
  const graph = importGraph();
  const unlisted = [...new Set([...graph.keys()].map(areaOf))].filter((a) => layerOf(a) < 0);
  t.deepEqual(unlisted, [], 'folders of src missing from LAYERS in this test');
  const upward: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (to.startsWith('..')) {
        upward.push(`${from} -> ${to} (outside src: src never imports cli or tests)`);
        continue;
      }
      const a = areaOf(from);
      const b = areaOf(to);
      if (a !== b && layerOf(b) >= layerOf(a)) upward.push(`${from} -> ${to} (${a} must not import ${b})`);
    }
  }
  t.deepEqual(upward, []);
});

test('the cycle finder reports a cycle with its path', (t) => {
  const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
  t.deepEqual(findCycles(graph), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});
