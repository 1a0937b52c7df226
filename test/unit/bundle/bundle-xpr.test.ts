// Bundling an op whose module imports xpr: xpr's driver-only native dependencies stay out, the bundle loads with plain
// Node, and a nested autoparallelize inside the job runs locally.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleModule, locateOp } from '../../../src/bundle/index.ts';
import { nested } from '../../fixtures/ops/uses-xpr.ts';

test('an op next to its autoparallelize wrapper bundles without ssh2/better-sqlite3 and runs its nested call locally', async (t) => {
  const ref = await locateOp(nested);
  t.is(ref.exportName, 'nested');
  const bundle = await bundleModule(ref);
  t.false(bundle.code.includes('cpufeatures.node'), 'no native addon of ssh2 in the bundle');
  t.false(/require\(["']better-sqlite3["']\)|from ["']ssh2["']/.test(bundle.code), 'driver-only packages are not imported');
  const dir = mkdtempSync(join(tmpdir(), 'xpr-bundle-xpr-'));
  mkdirSync(join(dir, '_code'));
  mkdirSync(join(dir, '_expyre'));
  const file = join(dir, '_code', bundle.fileName);
  writeFileSync(file, bundle.code);
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(file)}); console.log(JSON.stringify(await m.nested([1, 2, 3])));`],
  { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, XPR_JOB_ID: 'job-1', EXPYRE_ROOT: join(dir, '_expyre') }, encoding: 'utf8' });
  t.is(out.trim(), '[2,4,6]');
});
