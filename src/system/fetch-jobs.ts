// Bringing the result files (and declared output files) of finished jobs from the system into their local stage dirs,
// in one tar transfer; outputs that are not regular files are refused and listed for collect to report.
import { mkdirSync, mkdtempSync, readdirSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { join, dirname, sep } from 'node:path';
import { unpackInto } from './tar-stream.ts';
import { quote } from '../transport/quote.ts';
import { JobFiles } from '../runner/contract.ts';
import type { SystemSession } from './session.ts';
import { SystemCommandError } from './session.ts';
import { leftoverName } from './leftovers.ts';
import { runScript } from './remote-script.ts';

export interface FetchRequest {
  id: string;
  outputGlobs: readonly string[];
  /** Bring back stdout/stderr too (for failed and died jobs). */
  withLogs: boolean;
}

const FETCH_LOOP = `
set -- "\${xpr_args[@]}"
{
while [ $# -gt 0 ]; do
  xpr_id=$1; xpr_logs=$2; xpr_n=$3; shift 3
  for f in ${JobFiles.result} ${JobFiles.error} ${JobFiles.items} ${JobFiles.exit} ${JobFiles.usage}; do [ -e "$xpr_id/$f" ] && printf '%s\\0' "$xpr_id/$f"; done
  if [ "$xpr_logs" = 1 ]; then for f in ${JobFiles.stdout} ${JobFiles.stderr} ${JobFiles.schedStdout} ${JobFiles.schedStderr}; do [ -e "$xpr_id/$f" ] && printf '%s\\0' "$xpr_id/$f"; done; fi
  rm -f "$xpr_id/${JobFiles.refusedOutputs}"
  while [ "$xpr_n" -gt 0 ]; do
    (cd "$xpr_id" && shopt -s nullglob && IFS= && xpr_m=($1) && for f in "\${xpr_m[@]}"; do
      if [ -L "$f" ] || { [ ! -f "$f" ] && [ ! -d "$f" ]; }; then printf '%s\\n' "$f" >> ${JobFiles.refusedOutputs}
      elif [ -d "$f" ]; then
        find "$f" ! -type f ! -type d >> ${JobFiles.refusedOutputs}
        find "$f" -type f -print0 | while IFS= read -r -d '' g; do printf '%s/%s\\0' "$xpr_id" "$g"; done
      else printf '%s/%s\\0' "$xpr_id" "$f"; fi
    done)
    shift; xpr_n=$((xpr_n - 1))
  done
  [ -s "$xpr_id/${JobFiles.refusedOutputs}" ] && printf '%s\\0' "$xpr_id/${JobFiles.refusedOutputs}"
done
} | sort -zu | tar -cf - --no-recursion --null -T -`;

// Bring the result files (and declared outputs) of finished jobs into their local stage dirs, in one transfer. Output
// globs send regular files only (walking matched dirs); other matches are listed in the job's refusedOutputs file, so
// one job's symlink fails that job alone (collect reports it) instead of the whole transfer.
export async function fetchJobs(session: SystemSession, jobs: readonly FetchRequest[]): Promise<void> {
  if (session.sharesFs || jobs.length === 0) return;
  const base = session.base;
  const args = jobs.flatMap((j) => [j.id, j.withLogs ? '1' : '0', String(j.outputGlobs.length), ...j.outputGlobs]);
  const script = [`cd ${quote(base)} || exit 3`, `xpr_args=(${args.map(quote).join(' ')})`, FETCH_LOOP].join('\n');
  const res = await runScript(session, script, true);
  if (res.code !== 0) throw new SystemCommandError(session, 'fetch results', res);
  mkdirSync(session.localBase, { recursive: true, mode: 0o700 });
  // Unpacked aside, then each file renamed into place: another driver reading a result (or a crash mid-unpack) never
  // sees a half-written file.
  const aside = mkdtempSync(join(session.localBase, leftoverName('fetch')));
  try {
    await unpackInto(aside, res.stdout);
    const asked = new Set(jobs.map((j) => j.id));
    for (const rel of readdirSync(aside, { recursive: true, encoding: 'utf8' })) {
      const from = join(aside, rel);
      // Only into the job dirs asked for: never into other jobs' dirs, the code dir or the spool.
      if (!asked.has(rel.split(sep)[0]!) || !lstatSync(from).isFile()) continue;
      mkdirSync(dirname(join(session.localBase, rel)), { recursive: true, mode: 0o700 });
      renameSync(from, join(session.localBase, rel));
    }
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}
