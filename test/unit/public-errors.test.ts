// Every error class defined in src/ is exported from the package entry (src/index.ts), so a user can catch it by
// class, unless it is listed in INTERNAL below with the reason no caller of the public API can see it thrown.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../../src/index.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

// Error classes that never reach a caller of the public API as themselves. Each entry says why.
const INTERNAL: Readonly<Record<string, string>> = {
  // transport/ssh-exec.ts: ssh2.ts always turns it into TransportDroppedError (or repeats the command).
  ChannelDropped: 'replaced by TransportDroppedError',
  // pool/: a worker thread that died, or an op result that cannot cross threads, fails the batch's items; the error
  // reaches the caller only as an item failure's `error`, rebuilt as a plain Error with this `name` (match on name).
  WorkerExitError: 'item failure only, as a plain Error named so',
  OpResultError: 'item failure only, as a plain Error named so',
  // dashboard/: thrown by `xpr dashboard` only; the dashboard is not part of the library API.
  DashboardListenError: 'CLI only',
  DashboardAssetError: 'CLI only',
};

const CLASS = /\bclass\s+(\w+)\s+extends\s+\w*Error\b/g;

function errorClassesInSrc(): Map<string, string> {
  const found = new Map<string, string>();
  for (const rel of readdirSync(SRC, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts')) continue;
    for (const m of readFileSync(join(SRC, rel), 'utf8').matchAll(CLASS)) found.set(m[1]!, rel);
  }
  return found;
}

test('every error class in src/ is exported from src/index.ts, or listed as internal with a reason', (t) => {
  const classes = errorClassesInSrc();
  t.true(classes.size > 40, `found only ${classes.size} error classes: is the pattern still right?`);
  const exported = api as unknown as Record<string, unknown>;
  const missing = [...classes].filter(([name]) => !(name in INTERNAL) && typeof exported[name] !== 'function').map(([n, f]) => `${n} (${f})`);
  t.deepEqual(missing, [], 'export these from src/index.ts, or add them to INTERNAL saying why no user sees them');
});

test('the internal list names only error classes that exist and are not exported', (t) => {
  const classes = errorClassesInSrc();
  const exported = api as unknown as Record<string, unknown>;
  t.deepEqual(Object.keys(INTERNAL).filter((n) => !classes.has(n)), [], 'stale INTERNAL entries (class gone)');
  t.deepEqual(Object.keys(INTERNAL).filter((n) => n in exported), [], 'INTERNAL entries that are exported after all');
});

test('each exported error class is an Error subclass of that name', (t) => {
  const classes = errorClassesInSrc();
  for (const name of classes.keys()) {
    const value = (api as unknown as Record<string, unknown>)[name];
    if (typeof value !== 'function') continue;
    t.is((value as { name: string }).name, name);
    t.true((value as { prototype: unknown }).prototype instanceof Error, `${name} extends Error`);
  }
});
