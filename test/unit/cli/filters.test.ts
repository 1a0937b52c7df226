// Job filters on the command line (ls, sync, cancel, rm, reset-status): an empty filter value is refused as a usage
// error, never read as "every job"; each flag takes one value, so ExPyRe's word orders parse.
import test from 'ava';
import { CommanderError } from 'commander';
import { selectJobs, requireFilter, hasFilter } from '../../../cli/commands/select.ts';
import { UsageError } from '../../../cli/commands/errors.ts';
import { makeProject } from '../../helpers/project.ts';
import { parse } from './_parse.ts';

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
