// Build step of `npm run build` (not part of the CLI), after tsc: copies the non-TypeScript files xpr reads by path
// at run time next to the compiled JS, and points the .d.ts files' relative imports at .js (tsc rewrites JS only).
// Keep ASSETS in step with every `new URL('./<file>', import.meta.url)` of a non-.ts file in src/ and cli/; every .sh
// file under src/ (the shell xpr runs on a system: src/scheduler/local-queue.sh, src/system/shell/) is copied too.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');
const SHELL = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((rel) => rel.endsWith('.sh')).map((rel) => join('src', rel));
const ASSETS = [...SHELL, 'src/dashboard/page/index.html', 'src/dashboard/page/app.js', 'src/dashboard/page/style.css'];

for (const rel of ASSETS) {
  const to = join(dist, rel);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, rel), to);
}

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.(m?)ts(['"])/g;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, (_m, head, path, m, q) => `${head}${path}.${m}js${q}`);
  if (fixed !== text) writeFileSync(file, fixed);
}
