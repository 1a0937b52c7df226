// `xpr doctor [SYSTEM...]`: check the config and each system (connection, scheduler commands, Node.js, run dir) and
// print what to fix for every problem. Exits 1 when any check failed.
import { runDoctor } from '../../src/index.ts';
import { paint, useColor } from './format.ts';
import { EXIT } from './errors.ts';

// Run the checks and print them.
export async function doctor(systems: string[], o: { json?: boolean }): Promise<void> {
  const checks = await runDoctor({}, systems);
  const failed = checks.filter((c) => !c.ok);
  if (o.json) {
    for (const c of checks) process.stdout.write(JSON.stringify(c) + '\n');
  } else {
    const col = useColor();
    for (const c of checks) {
      const mark = !c.ok ? paint('FAIL', 'red', col) : c.warning ? paint('warn', 'yellow', col) : paint(' ok ', 'green', col);
      process.stdout.write(`${mark}  ${c.system ?? '(config)'}: ${c.check}: ${c.detail}\n`);
      if (c.fix && (!c.ok || c.warning)) process.stdout.write(`      fix: ${c.fix}\n`);
    }
    process.stdout.write(failed.length ? `${failed.length} problem(s) found\n` : 'no problems found\n');
  }
  if (failed.length) process.exitCode = EXIT.failed;
}
