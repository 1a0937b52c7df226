// The small constant sh programs the schedulers put into their argvs (`sh -c <program> sh <args>...`) live in
// src/scheduler/shell/*.sh (copied into the build by cli/build/copy-assets.mjs, checked by shellcheck in
// test/unit/system/shellcheck.test.ts); every value reaches them as a positional argument.
import { readFileSync } from 'node:fs';

export type SchedulerShell = 'exit-marker' | 'exit-marker-stdout' | 'local-find' | 'sge-qacct';

const programs = new Map<SchedulerShell, string>();

// The program of src/scheduler/shell/<name>.sh without its comment lines (read once per process; the same relative
// path in src/ and dist/src/).
export function schedulerShell(name: SchedulerShell): string {
  let program = programs.get(name);
  if (program === undefined) {
    const text = readFileSync(new URL(`./shell/${name}.sh`, import.meta.url), 'utf8');
    program = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).join('\n');
    programs.set(name, program);
  }
  return program;
}
