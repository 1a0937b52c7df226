// What each scheduler owns about itself: its job arrays (task ids in TypeScript and in the shell of the array submit,
// the array id read from real submit output) and the commands it needs, the same whether found by backend or by kind.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import { PbsScheduler } from '../../../src/scheduler/pbs.ts';
import { LocalScheduler } from '../../../src/scheduler/local.ts';
import { arraySupport, schedulerCommands } from '../../../src/scheduler/kinds.ts';
import { quote } from '../../../src/transport/quote.ts';
import { shellFile } from '../../../src/system/shell-files.ts';
import { capturedDir } from './_helpers.ts';

const backends = [
  new SlurmScheduler(), new SgeScheduler(), new PbsScheduler(),
  new LocalScheduler({ queueDir: '/q', queueScriptPath: '/q.sh', totalSlots: 1 }),
];

test('a system\'s scheduler kind finds the arrays and commands its backend carries', (t) => {
  for (const b of backends) {
    t.is(arraySupport(b.kind), b.arrays, b.kind);
    t.is(schedulerCommands(b.kind), b.commands, b.kind);
    t.true(b.commands.required.length > 0, b.kind);
  }
  t.is(new LocalScheduler({ queueDir: '/q', queueScriptPath: '/q.sh', totalSlots: 1 }).arrays, null, 'the local queue has no arrays');
});

test('the task id the array submit script writes (xpr_task_id of shell/array.sh, real bash) is the one the scheduler gives in TypeScript', (t) => {
  const cases = [
    { b: backends[0]!, arrayId: '685' },
    { b: backends[1]!, arrayId: '32' },
    { b: backends[2]!, arrayId: '1234[].pbs01' },
  ];
  for (const { b, arrayId } of cases) {
    const arrays = b.arrays!;
    for (const task of [arrays.firstTask, arrays.firstTask + 7]) {
      const shell = execFileSync('bash', ['-c', `${shellFile('array')}\nxpr_task_id "$@"`, 'x', arrays.taskIdForm, arrayId, String(task)], { encoding: 'utf8' });
      t.is(shell, `${arrays.taskId(arrayId, task)}\n`, `${b.kind} task ${task}`);
    }
  }
});

test('the array id is read from the real output of an array submit (grep -E with the scheduler\'s pattern)', (t) => {
  const read = (pattern: string, output: string): string =>
    execFileSync('bash', ['-c', `printf '%s\\n' "$1" | grep -Eo ${quote(pattern)} | tail -n 1`, 'x', output], { encoding: 'utf8' }).trim();
  const sbatch = fs.readFileSync(path.join(capturedDir, 'arrays', 'slurm-sbatch-array4.txt'), 'utf8');
  t.is(read(backends[0]!.arrays!.arrayIdPattern, sbatch), new SlurmScheduler().parseSubmitOutput(sbatch));
  const qsub = fs.readFileSync(path.join(capturedDir, 'arrays', 'sge-qsub-array4.txt'), 'utf8');
  t.is(read(backends[1]!.arrays!.arrayIdPattern, qsub), new SgeScheduler().parseSubmitOutput(qsub));
  // PBS array ids keep their `[]` and server suffix (the form qstat and qdel take).
  t.is(read(backends[2]!.arrays!.arrayIdPattern, '1234[].pbs01\n'), '1234[].pbs01');
});
