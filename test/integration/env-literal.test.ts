// Object-form envVars are literal on a real job (built-in local system): a password with $ arrives whole; only
// ${NAME} expands on the node, as the README says.
import test from 'ava';
import { runJob } from '../../src/index.ts';
import { envReport } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

test('local: {XPR_TEST_VAR: "pa$word"} arrives as pa$word; ${EXPYRE_NUM_CORES} still expands', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const env = (await runJob({
    op: envReport,
    envVars: { XPR_TEST_VAR: 'pa$word $HOME \\$x "q" \'s\' $1', XPR_TEST_EXPANDED: 'n=${EXPYRE_NUM_CORES}' },
    system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true,
    context: ctx,
  })) as Record<string, string>;
  t.is(env.XPR_TEST_VAR, 'pa$word $HOME \\$x "q" \'s\' $1');
  t.is(env.XPR_TEST_EXPANDED, 'n=1');
  await ctx.close();
});
