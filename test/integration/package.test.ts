// xpr as a user's dependency: `npm pack`, the tarball installed into a fresh consumer project, and there a strict
// TypeScript check, plain .mjs and tsx .ts workflow scripts routed to Slurm over ssh that end by themselves.
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** A script that has not ended by then hangs (the machine may be loaded; an exit is what is asserted). */
const EXIT_WITHIN_MS = 240_000;

let installDir = '';

// Pack and install once. Native addons are copied from this repo's node_modules (same machine, same Node) instead of
// rebuilt, so the install needs only the npm registry.
test.before(() => {
  const packDir = mkdtempSync(join(tmpdir(), 'xpr-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: REPO, stdio: 'ignore' });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  installDir = mkdtempSync(join(tmpdir(), 'xpr-consumer-'));
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball,
    'typescript@~5.9.3', '@types/node@^20.19.0', 'tsx@^4.20.0'], { cwd: installDir, stdio: 'ignore' });
  cpSync(join(REPO, 'node_modules/better-sqlite3/build'), join(installDir, 'node_modules/better-sqlite3/build'), { recursive: true });
});

const WORKFLOW = `import { autoparallelize, isMainScript } from 'xpr';

export function square(items) {
  return items.map((x) => x * x);
}

// An op that maps another op of its module: inside the job that call runs locally.
export async function sumOfSquares(pairs) {
  const sums = [];
  for (const pair of pairs) {
    const squares = await autoparallelize(square, pair, { progress: 'silent' });
    sums.push(squares.reduce((a, b) => a + b, 0));
  }
  return sums;
}

export async function squares(xs) {
  return autoparallelize(square, xs, { progress: 'silent' });
}

export async function nested(xs) {
  return autoparallelize(sumOfSquares, xs.map((x) => [x, x + 1]), { progress: 'silent' });
}

if (isMainScript(import.meta.url)) {
  const which = process.argv[2];
  const xs = [1, 2, 3, 4, 5];
  if (which === 'closure') {
    const local = (items) => items;
    await autoparallelize(local, xs);
  }
  const result = which === 'nested' ? await nested(xs) : await squares(xs);
  console.log('RESULT ' + JSON.stringify([...result]));
}
`;

// A cluster project with the consumer's node_modules, the workflow as `file`, and WFL_EXPYRE_INFO routing it.
function consumer(t: ExecutionContext, file: string, text = WORKFLOW) {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return null;
  const p = clusterProject(c);
  symlinkSync(join(installDir, 'node_modules'), join(p.dir, 'node_modules'));
  writeFileSync(join(p.dir, 'package.json'), JSON.stringify({ name: 'workflow', private: true, type: 'module' }));
  writeFileSync(join(p.dir, file), text);
  const route = { sys_name: 'slurm_ssh', job_name: 'pkg', resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
    num_inputs_per_queued_job: 2, check_interval: 1 };
  writeFileSync(join(p.dir, 'remoteinfo.json'), JSON.stringify({ [`${file}::squares`]: route, [`${file}::nested`]: route }));
  return { dir: p.dir, env: { ...p.env, WFL_EXPYRE_INFO: join(p.dir, 'remoteinfo.json'), XPR_PROGRESS: '0' } };
}

// Run a command to its end; `ended` is false when it was still running after EXIT_WITHIN_MS (then it is killed).
function runToEnd(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ended: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    let ended = true;
    const timer = setTimeout(() => {
      ended = false;
      child.kill('SIGKILL');
    }, EXIT_WITHIN_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ended });
    });
  });
}

test('the packed tarball holds no tests or CI files, and a strict NodeNext TypeScript consumer type-checks', (t) => {
  const shipped = readdirSync(join(installDir, 'node_modules/xpr'));
  t.false(shipped.includes('test'));
  t.false(shipped.includes('.ci'));
  t.false(shipped.includes('src'), 'TypeScript sources are not shipped, only dist/');
  const dir = mkdtempSync(join(tmpdir(), 'xpr-tsc-'));
  symlinkSync(join(installDir, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tsc-consumer', private: true, type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
    include: ['*.ts'],
  }));
  writeFileSync(join(dir, 'ops.ts'), `export function fit(data: number[], scale: number): { total: number } {
  return { total: data.reduce((a, b) => a + b, 0) * scale };
}
export function double(items: number[]): number[] {
  return items.map((x) => 2 * x);
}
`);
  writeFileSync(join(dir, 'workflow.ts'), `import { autoparallelize, runJob, RemoteJob, ItemsFailedError, type RemoteInfoInput } from 'xpr';
import { fit, double } from './ops.js';

export async function main(): Promise<number> {
  const model = await runJob({ op: fit, args: [[1, 2], 3], system: 'cluster', resources: { num_cores: 1, max_time: '1h' } });
  const total: number = model.total;
  const job = await RemoteJob.create({ op: fit, args: [[1], 2] });
  const again: { total: number } = await job.result();
  // @ts-expect-error args are checked against the op's parameters
  await runJob({ op: fit, args: ['not numbers'], system: 'cluster', resources: { num_cores: 1, max_time: '1h' } });
  const doubled = await autoparallelize(double, [1, 2], { external: ['left-pad'] });
  const info: RemoteInfoInput = { sys_name: 'c', job_name: 'j', resources: { num_cores: 1, max_time: '1h' }, external: ['x'] };
  void info;
  void ItemsFailedError;
  return total + again.total + (doubled[0] ?? 0);
}
`);
  try {
    execFileSync(join(dir, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: dir, stdio: 'pipe' });
    t.pass();
  } catch (err) {
    t.fail(`tsc failed:\n${(err as { stdout?: Buffer }).stdout?.toString()}`);
  }
});

test('a plain node .mjs script with its op beside the call and top-level await runs on Slurm over ssh and exits by itself', async (t) => {
  const w = consumer(t, 'workflow.mjs');
  if (!w) return;
  const r = await runToEnd([process.execPath, 'workflow.mjs'], w.dir, w.env);
  t.true(r.ended, `the script did not end by itself:\n${r.stderr}`);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes('RESULT [1,4,9,16,25]'), r.stdout + r.stderr);
  t.regex(r.stderr, /slurm_ssh/);
});

test('the same workflow as a .ts script under tsx runs and exits by itself', async (t) => {
  const ts = WORKFLOW.replace('export function square(items)', 'export function square(items: number[]): number[]')
    .replace(/\(items\) \{/g, '(items: number[]) {').replace(/\(xs\) \{/g, '(xs: number[]) {')
    .replace('(pairs) {', '(pairs: number[][]) {').replace('const sums = [];', 'const sums: number[] = [];')
    .replace('squares.reduce((a, b) => a + b, 0)', 'squares.reduce((a: number, b) => a + (b ?? 0), 0)')
    .replace('const local = (items) => items;', 'const local = (items: number[]) => items;');
  const w = consumer(t, 'workflow.ts', ts);
  if (!w) return;
  const r = await runToEnd([join(w.dir, 'node_modules/.bin/tsx'), 'workflow.ts'], w.dir, w.env);
  t.true(r.ended, `the script did not end by itself:\n${r.stderr}`);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes('RESULT [1,4,9,16,25]'), r.stdout + r.stderr);
});

test('an op that calls autoparallelize inside its job gets the nested results (run locally on the node)', async (t) => {
  const w = consumer(t, 'workflow.mjs');
  if (!w) return;
  const r = await runToEnd([process.execPath, 'workflow.mjs', 'nested'], w.dir, w.env);
  t.true(r.ended, `the script did not end by itself:\n${r.stderr}`);
  t.is(r.code, 0, r.stderr);
  // [x, x+1] -> x² + (x+1)²
  t.true(r.stdout.includes('RESULT [5,13,25,41,61]'), r.stdout + r.stderr);
});

test('a closure op in a top-level-await script is refused with the message and a non-zero exit, not a hang', async (t) => {
  const w = consumer(t, 'workflow.mjs');
  if (!w) return;
  const r = await runToEnd([process.execPath, 'workflow.mjs', 'closure'], w.dir, w.env);
  t.true(r.ended, 'the script hung instead of refusing the op');
  t.not(r.code, 0);
  t.regex(r.stderr, /UnshippableOpError|is not one of its exports|Cannot find the module/);
  t.false(existsSync(join(w.dir, 'never')));
});
