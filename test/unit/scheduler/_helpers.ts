// Shared pieces of the scheduler tests: recorded expected files (XPR_UPDATE_EXPECTED=1 accepts new output),
// a system/allocation/spec builder, and readers for the real captured outputs in test/cluster/captured/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import type { PartitionSpec, SystemConfig } from '../../../src/config/types.ts';
import type { NodeFit } from '../../../src/resources/types.ts';
import type { JobScriptSpec } from '../../../src/scheduler/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const expectedDir = path.join(here, 'expected');
export const capturedDir = path.join(here, '../../cluster/captured');
export const fixturesDir = path.join(here, '../../fixtures/scheduler');

// Line diff of two texts: `-` expected, `+` actual, with line numbers, unchanged lines left out.
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] !== undefined) out.push(`${String(i + 1).padStart(4)} - ${JSON.stringify(a[i])}`);
    if (b[i] !== undefined) out.push(`${String(i + 1).padStart(4)} + ${JSON.stringify(b[i])}`);
  }
  return out.join('\n');
}

// Compare `actual` with expected/<name>; on a mismatch show a line diff and how to accept the new text.
export function matchExpected(t: ExecutionContext, name: string, actual: string): void {
  const file = path.join(expectedDir, name);
  if (process.env.XPR_UPDATE_EXPECTED === '1') {
    fs.writeFileSync(file, actual);
    t.pass();
    return;
  }
  if (!fs.existsSync(file)) {
    t.fail(`no recorded file ${path.relative(process.cwd(), file)}; rerun with XPR_UPDATE_EXPECTED=1 to record it`);
    return;
  }
  const expected = fs.readFileSync(file, 'utf8');
  if (expected === actual) {
    t.pass();
    return;
  }
  t.fail(`${name} differs from the recorded file (- recorded, + now):\n${lineDiff(expected, actual)}\n`
    + 'If the new text is right, rerun with XPR_UPDATE_EXPECTED=1 to accept it.');
}

export function partition(over: Partial<PartitionSpec> = {}): PartitionSpec {
  return { name: 'std', schedulerName: 'standard', numCores: 16, maxTimeS: 86400, maxMemKb: null, header: [], ...over };
}

export function system(over: Partial<SystemConfig> = {}): SystemConfig {
  return {
    name: 'cluster', host: 'login.example.org', scheduler: 'slurm', partitions: [partition()], header: [],
    noDefaultHeader: false, scriptExec: '/bin/bash', preSubmitCmds: [], commands: [], rundir: 'run_xpr',
    remshCmd: null, nodeCmd: 'node', ...over,
  };
}

export function fit(over: Partial<NodeFit> = {}): NodeFit {
  return { partition: partition(), numNodes: 2, numCores: 32, numCoresPerNode: 16, maxTimeS: 90061, ...over };
}

export function spec(over: Partial<JobScriptSpec> = {}): JobScriptSpec {
  const sys = over.system ?? system();
  return {
    jobId: 'relax_Ab3dE5fG7hJ9_x2Yz', system: sys, fit: fit({ partition: sys.partitions[0]! }), headerExtra: [], envHeaderExtra: [],
    jobDir: '/home/u/run_xpr/p1/relax_Ab3dE5fG7hJ9_x2Yz', stdoutFile: 'job.stdout', stderrFile: 'job.stderr',
    body: 'cd /home/u/run_xpr/p1/relax_Ab3dE5fG7hJ9_x2Yz || exit 1\necho body\n', ...over,
  };
}

interface Capture { stdout: string; stderr: string; rc: number; command: string }

let manifest: Map<string, { rc: number; command: string }> | undefined;

// A captured file from test/cluster/captured/ with its stderr and exit code (MANIFEST.tsv); null if not captured.
export function captured(name: string): Capture | null {
  const file = path.join(capturedDir, name);
  if (!fs.existsSync(file)) return null;
  if (!manifest) {
    manifest = new Map();
    const tsv = path.join(capturedDir, 'MANIFEST.tsv');
    for (const line of fs.existsSync(tsv) ? fs.readFileSync(tsv, 'utf8').split('\n') : []) {
      const [n, rc, command] = line.split('\t');
      if (n && rc !== undefined && command !== undefined) manifest.set(n, { rc: Number(rc), command });
    }
  }
  const errFile = `${file}.stderr`;
  const meta = manifest.get(name) ?? { rc: 0, command: '?' };
  return {
    stdout: fs.readFileSync(file, 'utf8'),
    stderr: fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '',
    ...meta,
  };
}

// What withExitMarker() would have returned for a captured command: stdout, stderr (folded in), then its exit code.
export function asWrapped(c: Capture, opts: { keepStderr?: boolean } = {}): string {
  return `${c.stdout}${opts.keepStderr ? '' : c.stderr}\nxpr-rc=${c.rc}\n`;
}

export function fixture(name: string): string {
  return fs.readFileSync(path.join(fixturesDir, name), 'utf8');
}
