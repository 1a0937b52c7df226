import test from 'ava';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import { PbsScheduler } from '../../../src/scheduler/pbs.ts';
import { composeHeader, renderHeaderLines, renderTemplate, headerValues, HEADER_PLACEHOLDERS } from '../../../src/scheduler/header.ts';
import { HeaderTemplateError, SchedulerArgumentError } from '../../../src/scheduler/errors.ts';
import { HEADER_TEMPLATE_KEYS } from '../../../src/config/header-template.ts';
import { fit, matchExpected, partition, spec, system } from './_helpers.ts';

// A system written the way ExPyRe's docs and users write them: resources in the system header, a
// constraint per partition, a literal brace that must be escaped.
function fullSpec(scheduler: 'slurm' | 'sge' | 'pbs') {
  const headers = {
    slurm: {
      system: ['#SBATCH --nodes={num_nodes}', '#SBATCH --ntasks={num_cores}', '#SBATCH --ntasks-per-node={num_cores_per_node}   ', '#SBATCH --partition={partition}'],
      partition: ['#SBATCH --constraint=avx512'],
      extra: ['#SBATCH --mem=0', '#SBATCH --comment={{literal braces}}'],
      env: ['#SBATCH --account=proj-{queue}'],
    },
    sge: {
      system: ['#$ -pe smp {num_cores}', '#$ -q {queue}'],
      partition: ['#$ -l exclusive=true'],
      extra: ['#$ -l h_vmem=2G'],
      env: ['#$ -P proj'],
    },
    pbs: {
      system: ['#PBS -l select={num_nodes}:ncpus={num_cores_per_node}:mpiprocs={num_cores_per_node}', '#PBS -q {queue}'],
      partition: ['#PBS -l place=scatter'],
      extra: ['#PBS -l mem=100gb'],
      env: ['#PBS -A proj'],
    },
  }[scheduler];
  const part = partition({ header: headers.partition });
  const sys = system({ scheduler, header: headers.system, partitions: [part], commands: ['module load nodejs'] });
  return spec({ system: sys, fit: fit({ partition: part }), headerExtra: headers.extra, envHeaderExtra: headers.env });
}

const backends = { slurm: new SlurmScheduler(), sge: new SgeScheduler(), pbs: new PbsScheduler() };

for (const [kind, backend] of Object.entries(backends)) {
  const k = kind as keyof typeof backends;
  test(`${kind}: a job script has the shebang, system, partition, header_extra, default and EXPYRE_HEADER_EXTRA lines in ExPyRe's order, then the body`, (t) => {
    matchExpected(t, `${kind}-full.script`, backend.renderScript(fullSpec(k)));
  });

  test(`${kind}: no_default_header drops only the default lines`, (t) => {
    const s = fullSpec(k);
    const script = backend.renderScript({ ...s, system: { ...s.system, noDefaultHeader: true } });
    matchExpected(t, `${kind}-no-default-header.script`, script);
    const header = script.split('\n\n')[0]!;
    t.false(header.includes('relax_Ab3dE5fG7hJ9_x2Yz'), 'the job name line is a default line');
    t.true(script.includes(s.headerExtra[0]!));
  });

  test(`${kind}: with an empty config the script holds only the default header`, (t) => {
    matchExpected(t, `${kind}-defaults-only.script`, backend.renderScript(spec({ system: system({ scheduler: k }) })));
  });

  test(`${kind}: the submit command runs the script by its file name`, (t) => {
    t.is(backend.submitArgv(spec()).at(-1), backend.scriptName);
    t.is(backend.scriptName, `job.script.${kind}`);
  });

  test(`${kind}: a batch output file name with a space is refused before it reaches a header line`, (t) => {
    const err = t.throws(() => backend.renderScript(spec({ system: system({ scheduler: k }), stdoutFile: 'job out' })), { instanceOf: SchedulerArgumentError });
    t.regex(err!.message, /stdoutFile/);
  });
}

test('sbatch, qsub -terse and qsub are the submit commands, naming the job by its xpr id on the command line', (t) => {
  // On the command line the name beats a header line (no_default_header, EXPYRE_HEADER_EXTRA): find-by-name needs it.
  t.deepEqual(backends.slurm.submitArgv(spec()), ['sbatch', '--parsable', '--job-name=relax_Ab3dE5fG7hJ9_x2Yz', 'job.script.slurm']);
  t.deepEqual(backends.sge.submitArgv(spec()), ['qsub', '-terse', '-N', 'relax_Ab3dE5fG7hJ9_x2Yz', 'job.script.sge']);
  t.deepEqual(backends.pbs.submitArgv(spec()), ['qsub', '-N', 'relax_Ab3dE5fG7hJ9_x2Yz', 'job.script.pbs']);
  const other = spec({ envHeaderExtra: ['#SBATCH --job-name=other', '#$ -N other', '#PBS -N other'] });
  for (const backend of [backends.slurm, backends.sge, backends.pbs]) t.true(backend.submitArgv(other).join(' ').includes('relax_Ab3dE5fG7hJ9_x2Yz'));
});

test('SGE and PBS take the -S shell from script_exec, which may carry options on the shebang line', (t) => {
  const s = spec({ system: system({ scheduler: 'sge', scriptExec: '/bin/bash -l' }) });
  const sge = backends.sge.renderScript(s);
  t.true(sge.startsWith('#!/bin/bash -l\n'));
  t.true(sge.includes('\n#$ -S /bin/bash\n'));
  t.true(backends.pbs.renderScript({ ...s, system: { ...s.system, scheduler: 'pbs' } }).includes('\n#PBS -S /bin/bash\n'));
});

test('PBS job names keep the xpr id unchanged (no = to EQ rewriting)', (t) => {
  const script = backends.pbs.renderScript(spec({ system: system({ scheduler: 'pbs' }) }));
  t.true(script.includes('\n#PBS -N relax_Ab3dE5fG7hJ9_x2Yz\n'));
});

test('every placeholder is filled: id, max_time as H:MM:SS with unbounded hours, partition and queue as the scheduler name, node and core counts', (t) => {
  const line = '# {id} {max_time} {max_time_HMS} {partition} {queue} {num_nodes} {num_cores} {num_cores_per_node} {{x}}';
  t.deepEqual(renderHeaderLines([line], fit(), 'job_1', 'systems.c.header'), [
    '# job_1 25:01:01 25:01:01 standard standard 2 32 16 {x}',
  ]);
  t.deepEqual(renderHeaderLines(['{max_time}'], fit({ maxTimeS: 5 }), 'j', 'w'), ['0:00:05']);
});

test('the placeholder names are the ones the config validator accepts', (t) => {
  t.deepEqual([...HEADER_PLACEHOLDERS].sort(), [...HEADER_TEMPLATE_KEYS].sort());
  t.deepEqual(Object.keys(headerValues(fit(), 'j')).sort(), [...HEADER_PLACEHOLDERS].sort());
});

test('format specs and conversions behave as Python str.format (values checked against python3)', (t) => {
  const values = headerValues(fit(), 'relax_Ab3dE5fG7hJ9_x2Yz');
  const cases: Array<[string, string]> = [
    ['{num_cores:04d}', '0032'], ['{num_cores:>6}', '    32'], ['{num_cores:<6}|', '32    |'], ['{num_cores:^7}|', '  32   |'],
    ['{num_cores:*^7}', '**32***'], ['{num_cores:+d}', '+32'], ['{num_cores:x}', '20'], ['{num_cores:#x}', '0x20'],
    ['{num_cores:#b}', '0b100000'], ['{num_cores:o}', '40'], ['{num_cores:.2f}', '32.00'], ['{num_cores:%}', '3200.000000%'],
    ['{partition:>10}', '  standard'], ['{partition:.3}', 'sta'], ['{partition:_<12}', 'standard____'],
    ['{id!r}', "'relax_Ab3dE5fG7hJ9_x2Yz'"], ['{num_cores!r}', '32'], ['{num_cores!s:>4}', '  32'], ['{num_cores:=+5}', '+  32'],
    ['{num_nodes:05}', '00002'], ['{max_time!s}', '25:01:01'], ['{partition!a}', "'standard'"], ['}}{{', '}{'],
  ];
  for (const [template, want] of cases) t.is(renderTemplate(template, values, 'w'), want, template);
  t.is(renderTemplate('{num_cores:,}', { ...values, num_cores: 1234567 }, 'w'), '1,234,567');
  t.is(renderTemplate('{num_cores:_x}', { ...values, num_cores: 0xabcdef }, 'w'), 'ab_cdef');
});

test('an unknown placeholder names the header line it is in and the placeholders that exist', (t) => {
  const s = spec({ system: system({ header: ['#SBATCH --nodes={num_nodes}', '#SBATCH --ntasks={cores}'] }) });
  const err = t.throws(() => backends.slurm.renderScript(s), { instanceOf: HeaderTemplateError });
  t.is(err!.where, 'systems.cluster.header[1]');
  t.is(err!.line, '#SBATCH --ntasks={cores}');
  t.regex(err!.message, /unknown placeholder \{cores\}/);
  t.regex(err!.message, /\{num_cores\}/);
  t.deepEqual([...err!.known], [...HEADER_PLACEHOLDERS]);
});

test('template errors in each header source name that source', (t) => {
  const bad = ['#X {nope}'];
  const where = (s: Parameters<typeof composeHeader>[0]) =>
    (t.throws(() => composeHeader(s, []), { instanceOf: HeaderTemplateError }) as HeaderTemplateError).where;
  const part = partition({ header: bad });
  t.is(where(spec({ system: system({ partitions: [part] }), fit: fit({ partition: part }) })), 'systems.cluster.partitions.std.header[0]');
  t.is(where(spec({ headerExtra: ['ok', ...bad] })), 'header_extra[1]');
  t.is(where(spec({ envHeaderExtra: bad })), 'EXPYRE_HEADER_EXTRA[0]');
});

test('brace mistakes, positional fields, attribute access and bad conversions are errors, as in Python', (t) => {
  const values = headerValues(fit(), 'j');
  for (const [line, problem] of [
    ['#X }', /single "\}"/], ['#X {num_cores', /never closed/], ['#X {}', /positional/], ['#X {0}', /positional/],
    ['#X {id.upper}', /attribute and index/], ['#X {id[0]}', /attribute and index/], ['#X {id!x}', /conversion/],
    ['#X {id:d}', /needs a number/], ['#X {num_cores:s}', /needs text/], ['#X {num_cores:.2}', /precision/],
    ['#X {num_cores:{num_nodes}}', /nested/], ['#X {num_cores:!!}', /not supported/],
  ] as Array<[string, RegExp]>) {
    const err = t.throws(() => renderTemplate(line, values, 'systems.c.header[0]'), { instanceOf: HeaderTemplateError }, line);
    t.regex(err!.problem, problem, line);
  }
});

test('header lines are right-trimmed as ExPyRe does, and a line break inside a line is refused', (t) => {
  t.deepEqual(renderHeaderLines(['#SBATCH --x=1   \t'], fit(), 'j', 'w'), ['#SBATCH --x=1']);
  t.throws(() => renderHeaderLines(['#SBATCH --x=1\n#SBATCH --y=2'], fit(), 'j', 'w'), { instanceOf: HeaderTemplateError });
});
