// What the local pool runs for each batch, shared by worker threads and the in-thread path: load the op, call it
// on a batch, turn its result or its error into per-item outcomes, and move outcomes across threads (clone rules).
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OpResultError, PoolOpLoadError } from './errors.ts';

/** The result of one item: its value (undefined = the op gave none), or the error that failed its batch. */
export type ItemOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** An Error as plain data for postMessage (custom names and extra fields survive, unlike structured-cloned Errors). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: WireError;
}

export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

export type Op = (items: unknown[], ...extraArgs: unknown[]) => unknown;

/** workerData of a pool worker; `xprPoolWorker` (the protocol version) marks a thread as one. */
export interface PoolWorkerData {
  xprPoolWorker: 1;
  codeFile: string;
  exportName: string;
  extraArgs: unknown[];
}

/** main -> worker */
export interface BatchMessage { t: 'batch'; id: number; firstIndex: number; items: unknown[] }
/** worker -> main */
export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'done'; id: number; outcomes: WireOutcome[] }
  | { t: 'load-error'; reason: string; error: WireError };

// URL to import a code file given as an absolute path or a file: URL.
export function codeFileUrl(codeFile: string): string {
  if (codeFile.startsWith('file:')) return codeFile;
  if (!isAbsolute(codeFile)) throw new PoolOpLoadError(codeFile, '', 'the code file must be an absolute path or a file: URL');
  return pathToFileURL(codeFile).href;
}

// Import the op module and return its named export; PoolOpLoadError if the import fails or the export is not a function.
export async function loadOp(codeFile: string, exportName: string): Promise<Op> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(codeFileUrl(codeFile))) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof PoolOpLoadError) throw error;
    throw new PoolOpLoadError(codeFile, exportName, `import failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const op = mod[exportName];
  if (typeof op !== 'function') {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    const has = fns.length > 0 ? `; its function exports: ${fns.join(', ')}` : '; it exports no functions';
    throw new PoolOpLoadError(codeFile, exportName, `the module has no function export "${exportName}"${has}`);
  }
  return op as Op;
}

// Call op(items, ...extraArgs) once and align what it returns (or throws) to the batch, item by item.
export async function runBatch(op: Op, items: unknown[], extraArgs: unknown[]): Promise<WireOutcome[]> {
  let out: unknown;
  try {
    out = await op(items, ...extraArgs);
  } catch (error) {
    const wire = toWireError(error);
    return items.map(() => ({ ok: false, error: wire }));
  }
  if (out === undefined || out === null) return items.map(() => ({ ok: true, value: undefined }));
  let problem: string | null = null;
  if (!Array.isArray(out)) problem = `the op returned ${typeof out}, expected an array with one result per item (or undefined)`;
  else if (out.length > items.length) problem = `the op returned ${out.length} results for a batch of ${items.length} items`;
  if (problem !== null) {
    const wire = toWireError(new OpResultError(problem));
    return items.map(() => ({ ok: false, error: wire }));
  }
  const values = out as unknown[];
  return items.map((_, k) => ({ ok: true, value: values[k] }));
}

// Send outcomes with `post` (postMessage or a structuredClone); values that cannot be cloned become per-item errors.
export function postOutcomes(outcomes: WireOutcome[], firstIndex: number, post: (outcomes: WireOutcome[]) => void): void {
  try {
    post(outcomes);
    return;
  } catch {
    // Fall through: find which values cannot cross a thread boundary.
  }
  const repaired = outcomes.map((o, k): WireOutcome => {
    if (!o.ok) return o;
    try {
      structuredClone(o.value);
      return o;
    } catch (error) {
      const e = new OpResultError(`the result of item ${firstIndex + k} cannot be passed between threads (structured clone): ${(error as Error).message}`);
      return { ok: false, error: toWireError(e) };
    }
  });
  post(repaired);
}

// An Error (or any thrown value) as plain data.
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: `non-Error value thrown: ${safeString(error)}` };
  }
  const wire: WireError = { name: error.name, message: error.message };
  if (error.stack !== undefined) wire.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') wire.code = code;
  if (error.cause !== undefined && depth < 4) wire.cause = toWireError(error.cause, depth + 1);
  return wire;
}

// Back to an Error with the same name, message, stack (and code, cause).
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message, wire.cause ? { cause: fromWireError(wire.cause) } : undefined);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) (error as { code?: string }).code = wire.code;
  return error;
}

// Outcomes as the caller sees them (Errors rebuilt).
export function fromWireOutcomes(outcomes: WireOutcome[]): ItemOutcome[] {
  return outcomes.map((o) => (o.ok ? o : { ok: false, error: fromWireError(o.error) }));
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
