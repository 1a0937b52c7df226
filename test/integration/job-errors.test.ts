// Bad input is refused with a named error before anything is written: no store row, no stage dir, no queue record.
import test from 'ava';
import { writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RemoteJob, runJob, ConfigError, UnknownSystemError, NoPartitionFitsError, ResourceSpecError, UnshippableOpError, UncodableValueError, JobOptionError,
} from '../../src/index.ts';
import { add, exportedArrow, makeClosure } from '../fixtures/ops/basic.ts';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { existsSync } from 'node:fs';

function assertNothingWritten(t: { is: (a: unknown, b: unknown, m?: string) => void }, p: TestProject): void {
  t.is(p.stageDirs().length, 0, 'no stage dir');
  t.is(p.queueRecords().length, 0, 'no queue record');
  const ctx = p.context();
  t.is(ctx.store.list().length, 0, 'no job in the store');
  void ctx.close();
}

test('malformed config.json: ConfigError with file, line and column', (t) => {
  const p = makeProject();
  writeFileSync(join(p.root, 'config.json'), '{ "systems": {\n  "a": { "host": null, }\n}');
  const err = t.throws(() => p.context(), { instanceOf: ConfigError });
  t.regex(err.message, /config\.json/);
  t.regex(err.message, /config\.json:2:\d+: JSON syntax error/);
  t.false(existsSync(join(p.root, 'xpr-jobs.sqlite')));
});

test('unknown system: UnknownSystemError listing the known systems, nothing written', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(runJob({ op: add, args: [1, 2], system: 'archer3', resources: { num_cores: 1, max_time: 60 }, context: ctx }), { instanceOf: UnknownSystemError });
  t.regex(err.message, /archer3/);
  t.regex(err.message, /local/);
  await ctx.close();
  assertNothingWritten(t, p);
});

test('resources that fit no partition: NoPartitionFitsError listing each partition and why, nothing written', async (t) => {
  const p = makeProject({ systems: { two: { host: null, scheduler: 'local', partitions: { small: { num_cores: 2, max_time: '1h', max_mem: '4GB' } } } } });
  const ctx = p.context();
  const err = await t.throwsAsync(runJob({ op: add, args: [1, 2], system: 'two', resources: { num_cores: 3, max_time: '2h' }, context: ctx }), { instanceOf: NoPartitionFitsError });
  t.regex(err.message, /small/);
  t.true(err.rejections.length === 1);
  await ctx.close();
  assertNothingWritten(t, p);
});

test('a bad max_time: ResourceSpecError naming resources.max_time, nothing written', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(runJob({ op: add, args: [1, 2], system: 'local', resources: { num_cores: 1, max_time: '3 fortnights' }, context: ctx }), { instanceOf: ResourceSpecError });
  t.regex(err.message, /max_time/);
  t.regex(err.message, /3 fortnights/);
  await ctx.close();
  assertNothingWritten(t, p);
});

test('an unshippable op (closure or unexported function): UnshippableOpError saying to export it', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const closure = await t.throwsAsync(RemoteJob.create({ op: makeClosure(), args: [1] }, ctx), { instanceOf: UnshippableOpError });
  t.regex(closure.message, /export/i);
  const inline = await t.throwsAsync(RemoteJob.create({ op: (x: number) => x, args: [1] }, ctx), { instanceOf: UnshippableOpError });
  t.regex(inline.message, /export/i);
  await ctx.close();
  assertNothingWritten(t, p);
});

test('an exported arrow function and an explicit {module, exportName} are both shippable', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  t.is(await runJob({ op: exportedArrow, args: [4], system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true, context: ctx }), 8);
  const mod = new URL('../fixtures/ops/basic.ts', import.meta.url);
  t.is(await runJob({ op: { module: mod, exportName: 'add' }, args: [4, 5], system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true, context: ctx }), 9);
  await ctx.close();
});

test('an uncodable argument: UncodableValueError naming the path inside the argument, nothing written', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const err = await t.throwsAsync(
    RemoteJob.create({ op: add, args: [1, { calculator: { fn: () => 0 } }] as never }, ctx),
    { instanceOf: UncodableValueError },
  );
  t.is(err.path, 'args[1].calculator.fn');
  await ctx.close();
  assertNothingWritten(t, p);
});

test('two input files that would land on the same name in the job: JobOptionError naming both, nothing written', async (t) => {
  const p = makeProject();
  const outside = mkdtempSync(join(tmpdir(), 'xpr-inputs-'));
  mkdirSync(join(outside, 'a'));
  mkdirSync(join(outside, 'b'));
  writeFileSync(join(outside, 'a', 'POTCAR'), 'one');
  writeFileSync(join(outside, 'b', 'POTCAR'), 'two');
  const ctx = p.context();
  const err = await t.throwsAsync(
    RemoteJob.create({ op: add, args: [1, 2], inputFiles: [join(outside, 'a', 'POTCAR'), join(outside, 'b', 'POTCAR')] }, ctx),
    { instanceOf: JobOptionError },
  );
  t.regex(err.message, /input_files/);
  t.true(err.message.includes(join(outside, 'a', 'POTCAR')) && err.message.includes(join(outside, 'b', 'POTCAR')));
  await ctx.close();
  assertNothingWritten(t, p);
});
