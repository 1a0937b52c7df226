// Finds which module file and export name an op function comes from.
// Uses the V8 inspector's [[FunctionLocation]] to get the defining script and reads the export from its source there,
// so the module is never imported again (an entry script still in its top-level await would wait on itself).
import { Session } from 'node:inspector';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UnshippableOpError } from './errors.ts';
import { exportNameAt, type FunctionLocation } from './export-at.ts';

/** A shippable op: an ES module file and the name of one of its exports. */
export interface OpRef {
  modulePath: string;
  exportName: string;
}

/** What a user may pass as an op: the exported function itself, or an explicit module + export. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpInput = ((...args: any[]) => unknown) | { module: string | URL; exportName: string };

// Resolve an op to its module file and export name, or explain why it cannot be shipped (also when a JS caller gave none).
export async function locateOp(op: OpInput | undefined, cwd = process.cwd()): Promise<OpRef> {
  if (typeof op === 'function') return locateFunction(op);
  if (op === null || typeof op !== 'object' || !('module' in op) || !('exportName' in op)) {
    throw new UnshippableOpError(
      'op must be an exported function, or { module, exportName } naming an ES module file and one of its exports',
      null,
    );
  }
  const modulePath = toPath(op.module, cwd);
  if (!existsSync(modulePath)) {
    throw new UnshippableOpError(`op module ${modulePath} does not exist`, modulePath);
  }
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  if (typeof mod[op.exportName] !== 'function') {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new UnshippableOpError(
      `${modulePath} has no exported function named "${op.exportName}"` +
        (fns.length ? ` (exported functions: ${fns.join(', ')})` : ' (it exports no functions)'),
      modulePath,
    );
  }
  return { modulePath, exportName: op.exportName };
}

// Functions located (or being located) in this process: a function object never moves to another module.
const located = new WeakMap<object, Promise<OpRef>>();

function locateFunction(fn: (...args: never[]) => unknown): Promise<OpRef> {
  let ref = located.get(fn);
  if (!ref) {
    ref = locateFunctionUncached(fn);
    located.set(fn, ref);
    ref.catch(() => located.delete(fn));
  }
  return ref;
}

async function locateFunctionUncached(fn: (...args: never[]) => unknown): Promise<OpRef> {
  const label = fn.name ? `op "${fn.name}"` : 'the op (an anonymous function)';
  const where = functionSource(fn);
  const url = where?.url;
  if (!url || !url.startsWith('file:')) {
    throw new UnshippableOpError(
      `Cannot find the module that defines ${label}` +
        (url ? ` (it comes from ${url}, not from a file)` : '') +
        '. Define it as a named export of a .ts/.js module file and pass that function.',
      null,
    );
  }
  const modulePath = fileURLToPath(url.replace(/\?.*$/, ''));
  const exportName = (where.source !== null ? exportNameAt(where.source, where.location) : null) ?? (await exportByIdentity(modulePath, fn));
  if (exportName === undefined) {
    throw new UnshippableOpError(
      `${label} is defined in ${modulePath} but is not one of its exports (a closure, a local or an ` +
        `anonymous function cannot be sent to a job). Move it to the top level of a module and export it, e.g. ` +
        `\`export function ${fn.name || 'myOp'}(items) { ... }\`, then pass the imported function.`,
      modulePath,
    );
  }
  return { modulePath, exportName };
}

/** How long an import of the op's module may take before it counts as still evaluating (a top-level await). */
const EVALUATED_WITHIN_MS = 200;

// The export of an already evaluated module whose value is fn. A module still in its top-level await (the entry
// script calling us) does not answer in time: undefined, so the caller refuses the op instead of waiting on itself.
async function exportByIdentity(modulePath: string, fn: unknown): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((res) => (timer = setTimeout(res, EVALUATED_WITHIN_MS, null)));
  const imported = import(pathToFileURL(modulePath).href) as Promise<Record<string, unknown>>;
  imported.catch(() => undefined);
  const mod = await Promise.race([imported, late]).finally(() => clearTimeout(timer));
  if (mod === null) return undefined;
  const names = Object.keys(mod).filter((k) => mod[k] === fn);
  return names.includes('default') && names.length > 1 ? names.find((n) => n !== 'default') : names[0];
}

interface FunctionSource {
  url: string | undefined;
  location: FunctionLocation;
  /** The script's source as V8 compiled it (after a loader such as tsx transformed it). */
  source: string | null;
}

// Ask V8 which script defines fn, where, and that script's source. The inspector session answers synchronously on
// the main thread.
function functionSource(fn: (...args: never[]) => unknown): FunctionSource | undefined {
  const session = new Session();
  session.connect();
  const scripts = new Map<string, string>();
  const key = `__xprLocate_${process.pid}_${Date.now()}`;
  let found: FunctionSource | undefined;
  try {
    session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
    session.post('Debugger.enable');
    (globalThis as Record<string, unknown>)[key] = fn;
    session.post('Runtime.evaluate', { expression: `globalThis[${JSON.stringify(key)}]` }, (err, res) => {
      const objectId = res?.result?.objectId;
      if (err || !objectId) return;
      session.post('Runtime.getProperties', { objectId, ownProperties: true }, (err2, props) => {
        const loc = props?.internalProperties?.find((p) => p.name === '[[FunctionLocation]]');
        const value = loc?.value?.value as ({ scriptId?: string } & FunctionLocation) | undefined;
        const scriptId = value?.scriptId;
        if (err2 || !scriptId) return;
        found = { url: scripts.get(scriptId), location: { lineNumber: value.lineNumber, columnNumber: value.columnNumber }, source: null };
        session.post('Debugger.getScriptSource', { scriptId }, (err3, src) => {
          if (!err3 && found) found.source = src.scriptSource;
        });
      });
    });
  } finally {
    delete (globalThis as Record<string, unknown>)[key];
    session.post('Debugger.disable');
    session.disconnect();
  }
  return found;
}

function toPath(module: string | URL, cwd: string): string {
  if (module instanceof URL || module.startsWith('file:')) return fileURLToPath(module);
  return isAbsolute(module) ? module : resolve(cwd, module);
}
