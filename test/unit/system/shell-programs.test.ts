// What the driver sends to a system for a submit, an array submit, a poll, a fetch, a removal: the .sh function files,
// the generated names block, then only calls of those functions (each argument quoted), whatever the values are.
import test from 'ava';
import type { ExecOptions, ExecResult, Transport } from '../../../src/transport/types.ts';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import type { SystemSession } from '../../../src/system/session.ts';
import { fetchJobs, pollJobs, removeJobDirs, submitJobs } from '../../../src/system/system-ops.ts';
import { planArrays, submitArrays } from '../../../src/system/array.ts';
import { shellFile, shellNamesBlock, type ShellLibrary } from '../../../src/system/shell-files.ts';
import { fit, system } from '../scheduler/_helpers.ts';

// Records each program sent on stdin; answers nothing (every call then reports its jobs lost or fails, as it may).
class RecordingTransport implements Transport {
  readonly kind = 'local' as const;
  readonly label = 'recording';
  readonly programs: string[] = [];
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (typeof options.stdin === 'string') this.programs.push(options.stdin);
    return { stdout: Buffer.alloc(0), stderr: '', code: 0, signal: null };
  }
  async close(): Promise<void> {}
  stats() {
    return { connectionsOpened: 0, commandsRun: 0 };
  }
}

// The lines of generated shell, a line break inside single quotes (as quote() makes them) kept in its line.
function shellLines(text: string): string[] {
  const lines: string[] = [];
  let quoted = false;
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (!quoted && c === '\\') k++;
    else if (c === "'") quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines.push(text.slice(start, k));
      start = k + 1;
    }
  }
  lines.push(text.slice(start));
  return lines;
}

const HOSTILE = "a b'$(touch /tmp/xpr-pwned)`id`;\n*";

test('every generated line after the .sh functions and the names block is a quoted call of an xpr_ function', async (t) => {
  const transport = new RecordingTransport();
  const base = `/home/u/run ${HOSTILE}/p1`;
  const session = {
    system: system({ scheduler: 'slurm', host: 'h' }), transport, scheduler: new SlurmScheduler(), sharesFs: false,
    localBase: '/nonexistent-xpr-stage', env: {}, base,
  } as unknown as SystemSession;
  const ids = ['relax_chunk_0_Ab3dE5fG7hJ9_x2Yz', 'relax_chunk_1_Ab3dE5fG7hJ9_x2Yz'];
  const jobs = ids.map((id) => ({ id, jobDir: `${base}/${id}`, argv: ['sbatch', `--comment=${HOSTILE}`, 'job.script.slurm'] }));
  await submitJobs(session, jobs);
  const { parts } = planArrays(session, jobs, 10);
  await submitArrays(session, parts, { asked: true, fit: fit(), headerExtra: [], envHeaderExtra: [], fresh: new Set(ids) });
  await pollJobs(session, ids.map((id) => ({ id, schedulerId: '12' })), { jobs: [{ id: ids[0]!, started: false }], maxMs: 1000 }).catch(() => undefined);
  await fetchJobs(session, ids.map((id) => ({ id, outputGlobs: [HOSTILE], withLogs: true }))).catch(() => undefined);
  await removeJobDirs(session, ids);
  t.is(transport.programs.length, 5);
  const libraries: ShellLibrary[] = ['lib', 'submit', 'array', 'poll', 'fetch', 'remove', 'secret-env'];
  const functions = new Set(libraries.flatMap((l) => [...shellFile(l).matchAll(/^(xpr_[a-z_]+)\(\)/gm)].map((m) => m[1]!)));
  const called = new Set<string>();
  for (const program of transport.programs) {
    let rest = program;
    for (const l of libraries) rest = rest.replace(shellFile(l), '');
    rest = rest.replace(/^\n+/, '');
    const names = shellNamesBlock().join('\n');
    t.true(rest.startsWith(`${names}\n`), 'the names block follows the function files');
    const calls = shellLines(rest.slice(names.length + 1)).filter((l) => l !== '');
    const bad = calls.filter((line) => {
      if (line === 'exit 0') return false;
      const fn = /^(xpr_[a-z_]+)(?: |$)/.exec(line)?.[1];
      return !fn || !functions.has(fn);
    });
    t.deepEqual(bad, [], program.slice(-300));
    for (const line of calls) called.add(line.split(' ')[0]!);
    t.false(program.includes('$(touch') && !program.includes("'$(touch"), 'hostile text only inside single quotes');
  }
  t.deepEqual([...called].sort(), ['exit', 'xpr_fetch', 'xpr_poll_files', 'xpr_poll_status', 'xpr_remove_dirs', 'xpr_submit_array',
    'xpr_submit_begin', 'xpr_submit_end', 'xpr_submit_job', 'xpr_watch']);
});
