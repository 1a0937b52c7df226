// Option values the commands check as they parse: logs --interval is a positive number of seconds, and script
// --resources takes partitions lists both as `partitions=a,b` and as repeated -r flags, as --help says.
import test from 'ava';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../cli/program.ts';
import { UsageError } from '../../../cli/commands/errors.ts';
import { parseResources } from '../../../cli/commands/script.ts';
import { parse } from './_parse.ts';

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
