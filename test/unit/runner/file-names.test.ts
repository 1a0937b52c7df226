// One owner for the names of the files xpr keeps in job dirs, array dirs and the base dir (src/runner/contract.ts):
// no other source file spells one, so a rename there reaches the driver, the job script and the runner together.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArrayFiles, BaseFiles, JobFiles } from '../../../src/runner/contract.ts';

const src = fileURLToPath(new URL('../../../src', import.meta.url));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|sh)$/.test(e.name) ? [p] : [];
  });
}

// A name in code (a word of its own, or after a quote, a slash or a shell redirection), not in a comment.
const SPELLED = /(?:^|[\s'"`/<>=])(\.xpr_[a-z_]+|_xpr_[a-z_.]+|_code|_array|_local-queue)\b/g;

test('no source file but runner/contract.ts spells a job-dir, array-dir or base-dir file name', (t) => {
  const found: string[] = [];
  for (const file of sources(src)) {
    if (file.endsWith(path.join('runner', 'contract.ts'))) continue;
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, k) => {
      const code = line.replace(/^\s*(\/\/|\*|\/\*\*?|#).*$/, '').replace(/\s\/\/ .*$/, '');
      for (const m of code.matchAll(SPELLED)) found.push(`${path.relative(src, file)}:${k + 1}: ${m[1]}`);
    });
  }
  t.deepEqual(found, [], 'use JobFiles / BaseFiles / ArrayFiles from src/runner/contract.ts');
});

test('the names of one dir are distinct, and the driver\'s own files in a job dir are hidden (dot files)', (t) => {
  const jobNames = Object.values(JobFiles);
  t.is(new Set(jobNames).size, jobNames.length);
  for (const name of [JobFiles.secretEnv, JobFiles.submitting, JobFiles.submitLock, JobFiles.submitErr]) t.regex(name, /^\.xpr_/);
  const baseNames = Object.values(BaseFiles);
  t.is(new Set(baseNames).size, baseNames.length);
  // A job id starts with a letter: base-dir names starting with `_` never collide with a job dir.
  for (const name of baseNames) t.regex(name, /^_/);
  t.false((Object.values(ArrayFiles) as string[]).includes(JobFiles.schedulerId));
});
