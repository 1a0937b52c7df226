// Bundles an op's module (and everything it imports) into one ESM file with esbuild, and fingerprints it.
// The fingerprint is sha256 of the bundled code, so editing the op or anything it imports gives a new cache key.
import type { BuildFailure, Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BundleError } from './errors.ts';
import type { OpRef } from './locate.ts';

export interface CodeBundle {
  /** sha256 hex of `code` (before the source-map comment is appended). */
  hash: string;
  /** File name the bundle is stored under on every system: `<hash>.mjs`. */
  fileName: string;
  /** ESM text, ending with a sourceMappingURL comment pointing at `<fileName>.map`. */
  code: string;
  /** Source map whose sources are file: URLs of the original files, so remote stacks name the user's files. */
  map: string;
  exportName: string;
}

interface CacheEntry {
  bundle: CodeBundle;
  /** Every file esbuild read, with its stamp: the entry is valid while none changed (ctime cannot be set back). */
  inputs: Array<{ path: string; stamp: string }>;
}

const cache = new Map<string, CacheEntry>();
const inFlight = new Map<string, Promise<CodeBundle>>();

const REQUIRE_SHIM =
  "import { createRequire as __xprCreateRequire } from 'node:module';\n" +
  'const require = __xprCreateRequire(import.meta.url);';

// Bundle `entry` (a module file exporting `exportName`) into one self-contained ESM file.
export async function bundleModule(
  ref: OpRef,
  opts: { external?: string[]; fileNamePrefix?: string; runExport?: boolean } = {},
): Promise<CodeBundle> {
  const key = JSON.stringify([ref.modulePath, ref.exportName, opts]);
  const hit = cache.get(key);
  if (hit && hit.inputs.every(isUnchanged)) return hit.bundle;
  // Concurrent requests for the same module share one esbuild run.
  let running = inFlight.get(key);
  if (!running) {
    running = buildBundle(ref, opts, key).finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}

async function buildBundle(
  ref: OpRef,
  opts: { external?: string[]; fileNamePrefix?: string; runExport?: boolean },
  key: string,
): Promise<CodeBundle> {
  const workDir = packageRoot(ref.modulePath);
  const outfile = join(workDir, '__xpr_bundle.mjs');
  let result;
  try {
    const { build } = await import('esbuild'); // loaded on first bundle: commands that never bundle start faster
    result = await build({
      stdin: {
        contents: entryContents(ref, opts.runExport ?? false),
        resolveDir: dirname(ref.modulePath),
        loader: 'js',
        sourcefile: '__xpr_entry.js',
      },
      absWorkingDir: workDir,
      outfile,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      keepNames: true,
      sourcemap: 'external',
      legalComments: 'none',
      logLevel: 'silent',
      banner: { js: REQUIRE_SHIM },
      external: opts.external ?? [],
      plugins: [driverOnlyDependencies()],
      metafile: true,
    });
  } catch (err) {
    const failure = err as BuildFailure;
    const first = failure.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
    throw new BundleError(
      `Cannot bundle the op's module ${ref.modulePath}: ${where}${first?.text ?? String(err)}`,
      ref.modulePath,
      { cause: err },
    );
  }
  const jsFile = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const mapFile = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!jsFile || !mapFile) throw new BundleError('esbuild produced no output', ref.modulePath);
  const body = stripSourceMapComment(jsFile.text);
  const hash = createHash('sha256').update(body).digest('hex');
  const fileName = `${opts.fileNamePrefix ?? ''}${hash}.mjs`;
  const bundle: CodeBundle = {
    hash,
    fileName,
    code: `${body}\n//# sourceMappingURL=${fileName}.map\n`,
    map: absolutizeMapSources(mapFile.text, dirname(outfile)),
    exportName: ref.exportName,
  };
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .filter((p) => !p.startsWith('<'))
    .map((p) => resolve(workDir, p))
    .filter(existsSync)
    .map((path) => ({ path, stamp: fileStamp(path) }));
  cache.set(key, { bundle, inputs });
  return bundle;
}

function fileStamp(path: string): string {
  const st = statSync(path, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

function isUnchanged(input: { path: string; stamp: string }): boolean {
  try {
    return fileStamp(input.path) === input.stamp;
  } catch {
    return false;
  }
}

// The bundle's entry: re-export the op; for a program (the runner), also call the export once loaded.
function entryContents(ref: OpRef, runExport: boolean): string {
  const name = jsIdent(ref.exportName);
  const from = JSON.stringify(ref.modulePath);
  // Every export of the op's module travels along, so an op that calls autoparallelize on another op of its module
  // inside the job finds that op in the bundle.
  const reexport = `export { ${name} } from ${from};${runExport ? '' : `\nexport * from ${from};`}`;
  return runExport ? `${reexport}\nimport { ${name} as __xprMain } from ${from};\nawait __xprMain();` : reexport;
}

function stripSourceMapComment(text: string): string {
  return text.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n').trimEnd();
}

function absolutizeMapSources(mapText: string, baseDir: string): string {
  const map = JSON.parse(mapText) as { sources: string[] };
  map.sources = map.sources.map((s) => pathToFileURL(resolve(baseDir, s)).href);
  return JSON.stringify(map);
}

// The nearest dir with a package.json: paths inside the bundle are relative to it, so moving a project keeps hashes.
function packageRoot(file: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(file);
    dir = up;
  }
}

/** Packages xpr uses only in the driver (SSH, the job store, bundling): native or heavy, never needed inside a job. */
const DRIVER_ONLY = /^(?:ssh2|better-sqlite3|esbuild|cpu-features)$/;

// When the op's module imports xpr, xpr's driver-only dependencies are replaced by a stub that throws if used: inside
// a job xpr runs calls locally (pool, codec), and nothing of SSH, the store or esbuild is loaded there.
function driverOnlyDependencies(): Plugin {
  const xprRoot = packageRoot(fileURLToPath(import.meta.url));
  return {
    name: 'xpr-driver-only',
    setup(b) {
      b.onResolve({ filter: DRIVER_ONLY }, (args) =>
        args.importer.startsWith(xprRoot + '/') ? { path: args.path, namespace: 'xpr-driver-only' } : undefined);
      b.onLoad({ filter: /.*/, namespace: 'xpr-driver-only' }, (args) => ({
        loader: 'js',
        contents:
          `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is not available inside a job: xpr uses it only in the driver (this call should run locally in the job)`)}); };\n` +
          'module.exports = new Proxy(function () {}, { get: (_t, k) => (k === "__esModule" ? false : fail), apply: fail, construct: fail });\n',
      }));
    },
  };
}

function jsIdent(name: string): string {
  if (name === 'default') return 'default';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new BundleError(`export name ${JSON.stringify(name)} is not an identifier`, '');
  return name;
}
