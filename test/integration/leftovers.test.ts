// The next run removes the temporary stage dirs a killed driver left behind (here on the `local` system).
import test from 'ava';
import { mkdirSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../../src/index.ts';
import { add } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

test('a run removes the .tmp- and .fetch- dirs of a driver that was killed while staging or fetching', async (t) => {
  const p = makeProject();
  const stage = join(p.root, 'xpr-stage');
  const left = [`.tmp-2147483646~${hostname()}~add_0123456789ab_wxyz`, `.fetch-2147483646~${hostname()}~Qw3rTy`];
  for (const d of left) mkdirSync(join(stage, d), { recursive: true });
  const ctx = p.context();
  t.is(await runJob({ op: add, args: [1, 2], system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true, context: ctx }), 3);
  await ctx.close();
  for (const d of left) t.false(existsSync(join(stage, d)), d);
});
