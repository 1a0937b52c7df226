// Lazily source-mapped stacks in the job (src/pool/stack-maps.ts, installed by the runner and by pool workers): a
// stack names the original file and line, a file without a map keeps its frame, and no map is read before a stack is.
import test from 'ava';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STACK_MAPS = fileURLToPath(new URL('../../../src/pool/stack-maps.ts', import.meta.url));

// The original op: `boom` throws at line 3, column 9 (the `new`); `Thrower.spin` at line 7, column 11; viaArrow's
// arrow calls boom at line 10, column 55.
const OP_TS = [
  '// an op',
  'export function boom(n: number): never {',
  '  throw new Error(`boom ${n}`);',
  '}',
  'export class Thrower {',
  '  spin(): never {',
  "    throw new TypeError('spin');",
  '  }',
  '}',
  'export const viaArrow = (): number[] => [1].map(() => boom(2));',
  '',
].join('\n');

// Files in a fresh dir: stack-maps.mjs (the module under test as plain JS), op.ts bundled as op.mjs with a linked map,
// beside.mjs (same op, no comment, map beside it), inline.mjs (map in a data: URL), plain.mjs (no map), badmap.mjs
// (a map that is not JSON). Node runs them without tsx, as a job does.
async function fixture(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-stack-maps-'));
  writeFileSync(join(dir, 'op.ts'), OP_TS);
  const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', keepNames: true, logLevel: 'silent' } as const;
  await build({ ...common, entryPoints: [STACK_MAPS], outfile: join(dir, 'stack-maps.mjs') });
  await build({ ...common, entryPoints: [join(dir, 'op.ts')], outfile: join(dir, 'op.mjs'), sourcemap: 'linked' });
  await build({ ...common, entryPoints: [join(dir, 'op.ts')], outfile: join(dir, 'beside.mjs'), sourcemap: 'external' });
  await build({ ...common, entryPoints: [join(dir, 'op.ts')], outfile: join(dir, 'inline.mjs'), sourcemap: 'inline' });
  writeFileSync(join(dir, 'plain.mjs'), 'export function boom() {\n  throw new Error("plain");\n}\n');
  writeFileSync(join(dir, 'badmap.mjs'), 'export function boom() {\n  throw new Error("bad");\n}\n//# sourceMappingURL=badmap.mjs.map\n');
  writeFileSync(join(dir, 'badmap.mjs.map'), '{ not json');
  return dir;
}

// Run `body` (ESM, top-level await) as dir/probe.mjs in a plain Node child; it prints one JSON line, returned parsed.
function runNode(dir: string, body: string, nodeArgs: string[] = []): Record<string, unknown> {
  const file = join(dir, 'probe.mjs');
  writeFileSync(file, body);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...nodeArgs, file], { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${file} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

// A probe that installs the hook with a reader that records every file read, imports `module`, and reports the reads
// at each step: after the import, after an error was thrown and caught (its stack not yet formatted), after formatting.
const countingProbe = (module: string, call: string): string => `
import { readFileSync } from 'node:fs';
import { installStackMaps } from './stack-maps.mjs';
const reads = [];
const installed = installStackMaps({ readFile: (p) => { reads.push(p.split('/').pop()); return readFileSync(p, 'utf8'); } });
const m = await import('./${module}');
const afterImport = [...reads];
let error;
try { ${call}; } catch (e) { error = e; }
const afterThrow = [...reads];
const stack = error.stack;
const afterFormat = [...reads];
let second;
try { ${call}; } catch (e) { second = e.stack; }
console.log(JSON.stringify({ installed, afterImport, afterThrow, afterFormat, afterSecond: [...reads], stack, second }));
`;

test('a stack through a bundled op names the original file, line and column; the map is read only when a stack is formatted, once', async (t) => {
  const dir = await fixture();
  try {
    const r = runNode(dir, countingProbe('op.mjs', 'm.boom(1)'));
    t.true(r.installed);
    t.deepEqual(r.afterImport, [], 'nothing read when the op loads');
    t.deepEqual(r.afterThrow, [], 'nothing read when an error is thrown');
    // The first formatted stack reads each file it has a frame of (for its sourceMappingURL comment), then that map;
    // the probe's own file has no map (its .map beside is tried, and missing).
    t.deepEqual(r.afterFormat, ['op.mjs', 'op.mjs.map', 'probe.mjs', 'probe.mjs.map']);
    t.deepEqual(r.afterSecond, r.afterFormat, 'maps (and their absence) are cached: the second stack reads nothing');
    const lines = String(r.stack).split('\n');
    t.is(lines[0], 'Error: boom 1');
    t.is(lines[1], `    at Module.boom (${join(dir, 'op.ts')}:3:9)`, 'V8 names a call through the namespace object Module.boom');
    t.regex(lines[2]!, /^ {4}at file:\/\/.*\/probe\.mjs:\d+:\d+$/, 'a frame of a file without a map is left as V8 wrote it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mapped frames read as Node\'s own --enable-source-maps frames (methods, arrows, a map beside the file or inline)', async (t) => {
  const dir = await fixture();
  try {
    const probe = `
import { installStackMaps } from './stack-maps.mjs';
const installed = installStackMaps();
const stacks = [];
for (const f of ['op.mjs', 'beside.mjs', 'inline.mjs']) {
  const m = await import('./' + f);
  for (const call of [() => m.boom(1), () => new m.Thrower().spin(), () => m.viaArrow()]) {
    try { call(); } catch (e) { stacks.push(e.stack); }
  }
}
console.log(JSON.stringify({ installed, stacks }));
`;
    const ours = runNode(dir, probe);
    const node = runNode(dir, probe, ['--enable-source-maps']);
    t.true(ours.installed);
    t.false(node.installed, 'not installed when Node maps stacks itself');
    const stacks = ours.stacks as string[];
    t.regex(stacks[1]!, new RegExp(`^TypeError: spin\\n {4}at Thrower\\.spin \\(${join(dir, 'op.ts')}:7:11\\)`));
    t.regex(stacks[2]!, /\n {4}at <anonymous> \(.*\/op\.ts:10:55\)\n {4}at Array\.map \(<anonymous>\)\n/);
    t.regex(stacks[4]!, /\n {4}at Thrower\.spin \(.*\/op\.ts:7:11\)/, 'map beside the file, no comment');
    t.regex(stacks[7]!, /\n {4}at Thrower\.spin \(.*\/op\.ts:7:11\)/, 'inline data: map');
    // beside.mjs has no sourceMappingURL comment: Node does not map it, we do; the two others read exactly alike.
    t.deepEqual([...stacks.slice(0, 3), ...stacks.slice(6)], [...(node.stacks as string[]).slice(0, 3), ...(node.stacks as string[]).slice(6)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file without a map, or with a map that cannot be parsed, keeps its frame and the hook does not throw', async (t) => {
  const dir = await fixture();
  try {
    const probe = `
import { installStackMaps } from './stack-maps.mjs';
installStackMaps();
const out = {};
for (const f of ['plain.mjs', 'badmap.mjs']) {
  const m = await import('./' + f);
  try { m.boom(); } catch (e) { out[f] = e.stack; }
}
console.log(JSON.stringify(out));
`;
    const r = runNode(dir, probe);
    t.regex(String(r['plain.mjs']), /^Error: plain\n {4}at Module\.boom \(file:\/\/.*\/plain\.mjs:2:9\)\n/);
    t.regex(String(r['badmap.mjs']), /^Error: bad\n {4}at Module\.boom \(file:\/\/.*\/badmap\.mjs:2:9\)\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with the real file system too, the map is read when a stack is formatted, not when the module loads', async (t) => {
  const dir = await fixture();
  try {
    // op.mjs.map is moved away while the op loads and put back before the stack is formatted: only a lazy reader maps it.
    const probe = `
import { renameSync } from 'node:fs';
import { installStackMaps } from './stack-maps.mjs';
installStackMaps();
renameSync('op.mjs.map', 'op.mjs.map.away');
const m = await import('./op.mjs');
let error;
try { m.boom(3); } catch (e) { error = e; }
renameSync('op.mjs.map.away', 'op.mjs.map');
console.log(JSON.stringify({ stack: error.stack }));
`;
    t.regex(String(runNode(dir, probe).stack), /^Error: boom 3\n {4}at Module\.boom \(.*\/op\.ts:3:9\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
