// Test helper: a throw-away xpr project (temp dir with an _expyre root and optional config.json), and a context on it.
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XprContext } from '../../src/index.ts';
import { createLogger } from '../../src/log.ts';

export interface TestProject {
  dir: string;
  root: string;
  env: NodeJS.ProcessEnv;
  logLines: string[];
  context(extraEnv?: NodeJS.ProcessEnv): XprContext;
  /** Job dirs in the local stage base (excluding _code and temp dirs). */
  stageDirs(): string[];
  /** Records of the local queue. */
  queueRecords(): string[];
}

// Make a temp project; `config` becomes _expyre/config.json when given.
export function makeProject(config?: unknown, extraEnv: NodeJS.ProcessEnv = {}): TestProject {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-test-'));
  const root = join(dir, '_expyre');
  mkdirSync(root);
  if (config !== undefined) writeFileSync(join(root, 'config.json'), JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, EXPYRE_ROOT: root, HOME: dir, XPR_DIED_GRACE_S: '1', ...extraEnv };
  const logLines: string[] = [];
  const stream = { write: (s: string) => (logLines.push(s), true) } as unknown as NodeJS.WritableStream;
  return {
    dir,
    root,
    env,
    logLines,
    context: (more = {}) => new XprContext({ cwd: dir, env: { ...env, ...more }, homeDir: dir, logger: createLogger({ stream }) }),
    stageDirs: () => {
      const base = join(root, 'xpr-stage');
      return existsSync(base) ? readdirSync(base).filter((d) => d !== '_code' && !d.startsWith('.')) : [];
    },
    queueRecords: () => {
      const q = join(root, 'xpr-local-queue', 'jobs');
      return existsSync(q) ? readdirSync(q) : [];
    },
  };
}
