// `xpr logs <id>`: the job's stdout and stderr as last brought back to this machine.
// For a remote job these arrive with its results (failed and died jobs bring their logs back).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { XprContext } from '../../src/index.ts';
import { JobFiles } from '../../src/runner/contract.ts';
import { readTail } from '../../src/job/collect.ts';
import { CliUsageError } from './select.ts';

// Print the job's logs.
export function logs(id: string, o: { tail?: number }): void {
  const ctx = new XprContext();
  try {
    const row = ctx.store.get(id);
    if (!row) throw new CliUsageError(`no job ${id} in ${ctx.store.path}`);
    for (const [label, file] of [['stdout', JobFiles.stdout], ['stderr', JobFiles.stderr], ['queue stdout', JobFiles.schedStdout], ['queue stderr', JobFiles.schedStderr]] as const) {
      const path = join(row.stageDir, file);
      if (!existsSync(path)) continue;
      process.stdout.write(`=== ${label} (${path}) ===\n${readTail(row.stageDir, file, o.tail ?? 1 << 30)}\n`);
    }
  } finally {
    void ctx.close();
  }
}
