// Finds which module file and export name an op function comes from.
// Uses the V8 inspector's [[FunctionLocation]] to get the defining script, then checks the module exports it.
import { Session } from 'node:inspector';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UnshippableOpError } from './errors.ts';

/** A shippable op: an ES module file and the name of one of its exports. */
export interface OpRef {
  modulePath: string;
  exportName: string;
}

/** What a user may pass as an op: the exported function itself, or an explicit module + export. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpInput = ((...args: any[]) => unknown) | { module: string | URL; exportName: string };

// Resolve an op to its module file and export name, or explain why it cannot be shipped.
export async function locateOp(op: OpInput, cwd = process.cwd()): Promise<OpRef> {
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
  const url = functionScriptUrl(fn);
  if (!url || !url.startsWith('file:')) {
    throw new UnshippableOpError(
      `Cannot find the module that defines ${label}` +
        (url ? ` (it comes from ${url}, not from a file)` : '') +
        '. Define it as a named export of a .ts/.js module file and pass that function.',
      null,
    );
  }
  const modulePath = fileURLToPath(url.replace(/\?.*$/, ''));
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const names = Object.keys(mod).filter((k) => mod[k] === fn);
  const exportName = names.includes('default') && names.length > 1 ? names.find((n) => n !== 'default') : names[0];
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

// Ask V8 which script defines fn. The inspector session answers synchronously on the main thread.
function functionScriptUrl(fn: (...args: never[]) => unknown): string | undefined {
  const session = new Session();
  session.connect();
  const scripts = new Map<string, string>();
  const key = `__xprLocate_${process.pid}_${Date.now()}`;
  let url: string | undefined;
  try {
    session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
    session.post('Debugger.enable');
    (globalThis as Record<string, unknown>)[key] = fn;
    session.post('Runtime.evaluate', { expression: `globalThis[${JSON.stringify(key)}]` }, (err, res) => {
      const objectId = res?.result?.objectId;
      if (err || !objectId) return;
      session.post('Runtime.getProperties', { objectId, ownProperties: true }, (err2, props) => {
        const loc = props?.internalProperties?.find((p) => p.name === '[[FunctionLocation]]');
        const scriptId = (loc?.value?.value as { scriptId?: string } | undefined)?.scriptId;
        if (!err2 && scriptId) url = scripts.get(scriptId);
      });
    });
  } finally {
    delete (globalThis as Record<string, unknown>)[key];
    session.post('Debugger.disable');
    session.disconnect();
  }
  return url;
}

function toPath(module: string | URL, cwd: string): string {
  if (module instanceof URL || module.startsWith('file:')) return fileURLToPath(module);
  return isAbsolute(module) ? module : resolve(cwd, module);
}
