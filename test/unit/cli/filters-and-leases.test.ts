// The command line's grammar and safety rules: an empty filter value is refused (never "every job"),
// filters take one value per flag (ExPyRe's word orders), --interval/--resources parse as documented, and cancel
// leaves alone the jobs a driver is submitting, going by the store's current rows.
import { hostname } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../../cli/program.ts';
import { selectJobs, requireFilter, hasFilter } from '../../../cli/commands/select.ts';
import { UsageError } from '../../../cli/commands/errors.ts';
import { parseResources } from '../../../cli/commands/script.ts';
import { cancelUnended, removeJobs } from '../../../src/admin/gc.ts';
import { makeProject } from '../../helpers/project.ts';

// Parse argv with the real grammar; the command's action only records what it was given.
async function parse(argv: string[]): Promise<{ command: string; args: unknown[] }> {
  const program = buildProgram();
  let seen: { command: string; args: unknown[] } | undefined;
  const quiet = (c: Command): void => {
    c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    c.commands.forEach(quiet);
  };
  quiet(program);
  for (const c of program.commands) c.action((...args: unknown[]) => void (seen = { command: c.name(), args: args.slice(0, -1) }));
  await program.parseAsync(argv, { from: 'user' });
  if (!seen) throw new Error('no action ran');
  return seen;
}

test('an empty filter value is a usage error naming the option, never a selection of every job', async (t) => {
  const cases: Array<[Record<string, string[]>, RegExp]> = [
    [{ id: [''] }, /^-i\/--id: empty value ""/],
    [{ name: [''] }, /^-n\/--name: empty value/],
    [{ status: [''] }, /^-s\/--status: empty value/],
    [{ status: [','] }, /^-s\/--status: empty value ","/],
    [{ state: [' '] }, /^--state: empty value/],
    [{ system: [''] }, /^-S\/--system: empty value/],
    [{ id: ['relax_aaa_1', ''] }, /^-i\/--id: empty value/],
  ];
  for (const [o, message] of cases) {
    t.throws(() => requireFilter(o, 'xpr rm'), { instanceOf: UsageError, message }, JSON.stringify(o));
    t.throws(() => requireFilter({ ...o, all: true }, 'xpr rm'), { instanceOf: UsageError, message }, `${JSON.stringify(o)} with --all`);
  }
  const p = makeProject();
  const ctx = p.context();
  try {
    t.throws(() => selectJobs(ctx.store, { id: [''] }), { instanceOf: UsageError, message: /-i\/--id/ }, 'ls and sync refuse it too');
  } finally {
    await ctx.close();
  }
  t.true(hasFilter({ id: ['a,'] }), 'a list with one real value is a filter');
  t.false(hasFilter({}));
});

test('the empty filter reaches the commands as given: `rm -i "" -c --yes` and `cancel -s ,` parse, then are refused', async (t) => {
  const rm = await parse(['rm', '-i', '', '-c', '--yes']);
  t.deepEqual((rm.args[0] as { id: string[] }).id, ['']);
  t.throws(() => requireFilter(rm.args[0] as object, 'xpr rm'), { instanceOf: UsageError, message: /-i\/--id: empty value/ });
  const cancel = await parse(['cancel', '-s', ',', '--yes']);
  t.throws(() => requireFilter(cancel.args[0] as object, 'xpr cancel'), { instanceOf: UsageError, message: /-s\/--status/ });
});

test("filters take one value per flag, so ExPyRe's word orders for reset_status parse", async (t) => {
  const a = await parse(['reset_status', '-i', 'relax_abc', 'started', '-y']);
  t.is(a.command, 'reset-status');
  t.is(a.args[0], 'started');
  t.like(a.args[1], { id: ['relax_abc'], yes: true });
  const b = await parse(['reset_status', 'died', '-i', 'relax_abc']);
  t.is(b.args[0], 'died');
  t.like(b.args[1], { id: ['relax_abc'] });
  const c = await parse(['rm', '-i', 'a', '--id', 'b,c', '-n', 'x', '-n', 'y', '--dry-run']);
  t.like(c.args[0], { id: ['a', 'b,c'], name: ['x', 'y'], dryRun: true });
  await t.throwsAsync(parse(['ls', '-i', 'a', 'b']), { instanceOf: CommanderError, code: 'commander.excessArguments' }, 'a second word is not another id');
});

test('logs --interval must be a positive number of seconds', async (t) => {
  for (const bad of ['abc', '0', '-1', '', 'Infinity']) {
    await t.throwsAsync(parse(['logs', 'x', '-f', '--interval', bad]), { instanceOf: CommanderError, code: 'commander.invalidArgument', message: /positive number of seconds/ }, bad);
  }
  t.like((await parse(['logs', 'x', '-f', '--interval', '0.3', '--tail', '10'])).args[1], { interval: 0.3, tail: 10, follow: true });
  t.like((await parse(['logs', 'x'])).args[1], { interval: 1 });
});

test('script --resources: partitions=a,b and repeated -r partitions=... give a list, as --help says', async (t) => {
  t.deepEqual(parseResources('num_cores=4,partitions=standard,highmem,max_time=1h'), { num_cores: 4, partitions: ['standard', 'highmem'], max_time: '1h' } as never);
  t.deepEqual(parseResources(['partitions=a', 'partitions=b', 'num_cores=1,max_time=1m']), { partitions: ['a', 'b'], num_cores: 1, max_time: '1m' } as never);
  t.deepEqual(parseResources(['{partitions: [a, b], max_time: 1h}', 'queues=c']), { partitions: ['a', 'b'], max_time: '1h', queues: ['c'] } as never);
  t.throws(() => parseResources('num_cores=4,8'), { instanceOf: UsageError, message: /key=value pairs.*"8"/ });
  const s = await parse(['script', 'local', '-r', 'partitions=a', '-r', 'partitions=b,max_time=1m']);
  t.deepEqual(parseResources((s.args[1] as { resources: string[] }).resources), { partitions: ['a', 'b'], max_time: '1m' } as never);
  const help = buildProgram().commands.find((c) => c.name() === 'script')!.helpInformation();
  t.regex(help.replace(/\s+/g, ' '), /partitions \(full-match regexps: partitions=a,b or -r partitions=a -r partitions=b\)/);
});

test('cancel leaves alone a job whose submission lease a live driver holds, and goes by the rows in the store now', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  try {
    const claim = (id: string) => ctx.store.claim({ id, cacheKey: id, name: id, system: 'local', stageDir: join(p.root, id), runDir: join(p.root, id), outputDir: p.root, envHash: '', details: {} }).row;
    const [leased, free, done] = ['leased_aaa_1', 'free_bbb_2', 'done_ccc_3'].map(claim);
    const driver = `${hostname()}:${process.ppid}:${Date.now()}`; // a live process on this host: a driver mid-submission
    t.true(ctx.store.takeOwnership(leased!.id, driver, () => false));
    ctx.store.transition(done!.id, 'succeeded', { force: true }); // ended after the selection was made
    const report = await cancelUnended(ctx, [leased!, free!, done!]);
    t.deepEqual(report.busy.map((r) => r.id), [leased!.id]);
    t.deepEqual(report.cancelled.map((r) => [r.id, r.state]), [[free!.id, 'cancelled']]);
    t.deepEqual(report.ended.map((r) => [r.id, r.state]), [[done!.id, 'succeeded']]);
    t.like(ctx.store.get(leased!.id), { state: 'created', owner: driver }, 'the driver keeps its job and its lease');
    t.like(ctx.store.get(free!.id), { state: 'cancelled', owner: null }, 'our own lease is released');
    t.like(ctx.store.get(done!.id), { state: 'succeeded', owner: null });
  } finally {
    await ctx.close();
  }
});

test('rm leaves alone a job whose submission lease a live driver holds, and removes the others', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  try {
    const claim = (id: string) => ctx.store.claim({ id, cacheKey: id, name: id, system: 'local', stageDir: join(p.root, id), runDir: join(p.root, id), outputDir: p.root, envHash: '', details: {} }).row;
    const [leased, free] = ['leased_ddd_4', 'free_eee_5'].map(claim);
    const driver = `${hostname()}:${process.ppid}:${Date.now()}`;
    t.true(ctx.store.takeOwnership(leased!.id, driver, () => false));
    const report = await removeJobs(ctx, [leased!, free!], { clean: true });
    t.deepEqual(report.busy.map((r) => r.id), [leased!.id]);
    t.deepEqual(report.removed.map((r) => r.id), [free!.id]);
    t.like(ctx.store.get(leased!.id), { state: 'created', owner: driver });
    t.is(ctx.store.get(free!.id), undefined);
  } finally {
    await ctx.close();
  }
});
