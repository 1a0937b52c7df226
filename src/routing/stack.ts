// The caller's call stack as plain frames {file, functionName}, read from V8's `new Error().stack`, for matching
// WFL_EXPYRE_INFO keys. Order: INNERMOST FIRST (frames[0] = the function nearest the call), as V8 prints them.
//
// Call callerStack() synchronously at the start of the API function, before its first `await`: after an await V8
// keeps only `async` caller frames. File names are absolute paths (file:// URLs converted). Function names:
//   `relax`               plain function;        `Relaxer.relax`  method (`Class.method`, `Object.m` for object literals);
//   `<anonymous>`         an unnamed frame: ESM module top level, an arrow or anonymous function (V8 cannot tell them apart);
//   `<module>`            CommonJS module top level (V8's `Object.<anonymous>`), named as Python's traceback does.
// `async ` and `new ` prefixes and ` [as alias]` suffixes are dropped. Frames with no file (native code such as
// `Array.map (<anonymous>)`, `Promise.all (index 0)`), `node:` internals and `eval` code are left out.
import { fileURLToPath } from 'node:url';
import { isAbsolute, sep } from 'node:path';

/** One stack frame of the caller: an absolute file path and the function's name as V8 reports it (see header). */
export interface StackFrame {
  file: string;
  functionName: string;
}

const THIS_FILE = safeFileFromUrl(import.meta.url);

// The current call stack, innermost first, without frames from files under `skipFilesUnder` (xpr's own dirs), node: internals or this module.
export function callerStack(skipFilesUnder: string[]): StackFrame[] {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  let text: string;
  try {
    text = new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = saved;
  }
  const dirs = skipFilesUnder.map((d) => (d.endsWith(sep) ? d : d + sep));
  return parseStack(text).filter((f) => f.file !== THIS_FILE && !dirs.some((d) => f.file.startsWith(d)));
}

// Frames of a V8 stack text, innermost first; unusable lines (the message, native frames, node: internals) are skipped.
export function parseStack(text: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of text.split('\n')) {
    const frame = parseFrameLine(raw.trim());
    if (frame) frames.push(frame);
  }
  return frames;
}

// One `at ...` line -> a frame, or null if the line is not a frame with a usable file.
export function parseFrameLine(line: string): StackFrame | null {
  if (!line.startsWith('at ')) return null;
  let body = line.slice(3).trim();
  if (body.startsWith('async ')) body = body.slice(6);
  let name = '';
  let location = body;
  // "name (location)": names hold no " (", locations may (eval frames, directory names).
  if (body.endsWith(')')) {
    const open = body.indexOf(' (');
    if (open >= 0) {
      name = body.slice(0, open).trim();
      location = body.slice(open + 2, -1);
    }
  }
  const file = fileOfLocation(location);
  if (file === null) return null;
  return { file, functionName: cleanName(name) };
}

function cleanName(name: string): string {
  let n = name.replace(/\s*\[as [^\]]*\]$/, '').trim();
  if (n.startsWith('new ')) n = n.slice(4).trim();
  if (n === '' || n === '<anonymous>') return '<anonymous>';
  if (n === 'Object.<anonymous>') return '<module>';
  return n;
}

function fileOfLocation(location: string): string | null {
  if (location.startsWith('eval at ') || location.startsWith('node:') || location === 'native') return null;
  const m = /^(.*?):(\d+):(\d+)$/.exec(location) ?? /^(.*?):(\d+)$/.exec(location);
  const where = m ? m[1]! : location;
  if (where.startsWith('file://')) return safeFileFromUrl(where);
  return isAbsolute(where) ? where : null;
}

function safeFileFromUrl(url: string): string | null {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}
