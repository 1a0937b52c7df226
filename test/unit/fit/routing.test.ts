import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeFit, type FitKind } from '../../../src/fit/routing.ts';
import { RemoteInfoError } from '../../../src/routing/errors.ts';
import { FitRoutingError } from '../../../src/fit/errors.ts';
import type { XprContext } from '../../../src/job/index.ts';
import type { StackFrame } from '../../../src/routing/stack.ts';

const entry = (sys: string) => ({ sys_name: sys, job_name: 'j', resources: { max_time: '1h', num_cores: 1 } });
// The user's script: main() in /proj/driver.ts calls the fit.
const stack: StackFrame[] = [{ file: '/proj/driver.ts', functionName: 'main' }, { file: '/proj/driver.ts', functionName: '<anonymous>' }];

function route(env: Record<string, string>, kinds: FitKind[], opts: Parameters<typeof routeFit>[2] = {}) {
  const warnings: string[] = [];
  const ctx = { env, cwd: mkdtempSync(join(tmpdir(), 'xpr-route-')), logger: { warn: (m: string) => warnings.push(m), info: () => undefined } } as unknown as XprContext;
  const r = routeFit(ctx, kinds, opts, stack);
  return { sys: r.info?.sys_name ?? 'local', reason: r.reason, warnings, cwd: ctx.cwd };
}
const info = (table: Record<string, unknown>) => ({ WFL_EXPYRE_INFO: JSON.stringify(table) });

test('WFL_EXPYRE_INFO keys match the fit function as the innermost frame, with the caller frames before it', (t) => {
  t.is(route(info({ 'fit/gap.ts::gapSimpleFit': entry('a') }), ['gapSimple']).sys, 'a');
  t.is(route(info({ 'driver.ts::main,gap.ts::gapSimpleFit': entry('b') }), ['gapSimple']).sys, 'b');
  t.is(route(info({ 'other.ts::main,gap.ts::gapSimpleFit': entry('b') }), ['gapSimple']).sys, 'local');
  t.is(route(info({ 'ace.ts::aceFit': entry('c') }), ['ace']).sys, 'c');
  t.is(route(info({ 'ace.ts::aceFit': entry('c') }), ['gapSimple']).sys, 'local');
});

test("wfl's keys for its fit functions match the same fits", (t) => {
  t.is(route(info({ 'gap/simple.py::run_gap_fit': entry('a') }), ['gapSimple']).sys, 'a');
  t.is(route(info({ 'gap/multistage.py::fit': entry('m') }), ['gapMultistage']).sys, 'm');
  t.is(route(info({ 'fit/ace.py::run_ace_fit': entry('c') }), ['ace']).sys, 'c');
  t.is(route(info({ 'multistage.py::fit,simple.py::run_gap_fit': entry('s') }), ['gapMultistage', 'gapSimple']).sys, 's');
});

test('a simple-fit key matches the stages of a multistage fit; multistage,simple keys match only those', (t) => {
  const simple = info({ 'gap.ts::gapSimpleFit': entry('a') });
  t.is(route(simple, ['gapMultistage', 'gapSimple']).sys, 'a');
  t.is(route(simple, ['gapMultistage']).sys, 'local');
  const stagesOnly = info({ 'gapMultistageFit,gap.ts::gapSimpleFit': entry('s') });
  t.is(route(stagesOnly, ['gapMultistage', 'gapSimple']).sys, 's');
  t.is(route(stagesOnly, ['gapSimple']).sys, 'local');
});

test('remote_label selects the equal key; remoteInfo wins over everything; inside a job fits run locally', (t) => {
  const table = info({ mylabel: entry('l'), 'gap.ts::gapSimpleFit': entry('a') });
  t.is(route(table, ['gapSimple'], { remoteLabel: 'mylabel' }).sys, 'l');
  t.is(route(table, ['gapSimple'], { remoteLabel: 'nolabel' }).sys, 'local');
  t.is(route(table, ['gapSimple'], { remoteInfo: 'local' }).sys, 'local');
  t.is(route(table, ['gapSimple'], { remoteInfo: entry('x') }).sys, 'x');
  t.is(route({ ...table, XPR_JOB_ID: 'job_1' }, ['gapSimple']).sys, 'local');
  t.is(route(info({ sys_name: 'top', job_name: 'j', resources: { num_cores: 1, max_time: 60 } }), ['ace']).sys, 'top');
});

test('legacy *_REMOTEINFO variables hold RemoteInfo JSON or a file path; WFL_EXPYRE_INFO matches first', (t) => {
  t.is(route({ WFL_GAP_SIMPLE_FIT_REMOTEINFO: JSON.stringify(entry('g')) }, ['gapSimple']).sys, 'g');
  t.is(route({ WFL_GAP_SIMPLE_FIT_REMOTEINFO: JSON.stringify(entry('g')) }, ['ace']).sys, 'local');
  t.is(route({ WFL_GAP_MULTISTAGE_FIT_REMOTEINFO: JSON.stringify(entry('m')) }, ['gapMultistage']).sys, 'm');
  const dir = mkdtempSync(join(tmpdir(), 'xpr-route-file-'));
  writeFileSync(join(dir, 'ace.json'), JSON.stringify(entry('f')));
  t.is(route({ WFL_ACE_FIT_REMOTEINFO: join(dir, 'ace.json') }, ['ace']).sys, 'f');
  t.is(route({ ...info({ 'ace.ts::aceFit': entry('e') }), WFL_ACE_FIT_REMOTEINFO: JSON.stringify(entry('f')) }, ['ace']).sys, 'e');
  t.is(route({ ...info({ other: entry('e') }), WFL_ACE_FIT_REMOTEINFO: JSON.stringify(entry('f')) }, ['ace']).sys, 'f');
});

test('bad settings are errors naming the variable and field', (t) => {
  const e1 = t.throws(() => route({ WFL_GAP_MULTISTAGE_FIT_REMOTEINFO: JSON.stringify({ sys_name: 'm', job_name: 'j', resources: { num_cores: 1 }, timout: 5 }) }, ['gapMultistage']), { instanceOf: RemoteInfoError });
  t.regex(e1!.message, /WFL_GAP_MULTISTAGE_FIT_REMOTEINFO\.timout: unknown field "timout" \(did you mean "timeout"\?\)/);
  const e2 = t.throws(() => route({ WFL_ACE_FIT_REMOTEINFO: '{"sys_name": ' }, ['ace']), { instanceOf: FitRoutingError });
  t.regex(e2!.message, /^WFL_ACE_FIT_REMOTEINFO: /);
  const e3 = t.throws(() => route(info({ 'gap.ts::gapSimpleFit': { sys_name: 'a', job_name: 'j' } }), ['gapSimple']), { instanceOf: RemoteInfoError });
  t.regex(e3!.message, /WFL_EXPYRE_INFO\["gap\.ts::gapSimpleFit"\]\.resources: missing/);
});
