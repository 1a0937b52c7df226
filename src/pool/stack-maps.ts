// Lazily source-mapped stacks for the threads that run ops (job runner, pool workers): an Error.prepareStackTrace hook
// that reads and parses a file's source map the first time a frame of that file is formatted, not when the file loads.
//
// Why: `node --enable-source-maps` parses the map of every module as it loads (about 50 ms of a job's start for a 1 MB
// op bundle with its 1.9 MB map), though most jobs never format a stack. Frames are written as Node writes its own mapped frames
// (`at fn (/original/file.ts:line:col)`); a frame whose file has no usable map is left as V8 wrote it. The hook never
// throws: any failure leaves the frame (or the whole stack) as V8's default text.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload, type SourceMapping } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type CallSite = NodeJS.CallSite;
type Formatter = (error: Error, callSites: CallSite[]) => string;
/** findEntry gives `{}` where the map has no entry; `name` is documented (Node 20) but missing from @types/node 20. */
type Entry = Partial<SourceMapping> & { name?: string };

export interface StackMapsOptions {
  /** Reads a file as text (the generated file, then its map); default fs.readFileSync. Tests count reads with it. */
  readFile?: (path: string) => string;
}

// The formatter this thread started with: undefined, or Node's own default (Node 20.20 defines one). Anything else
// in Error.prepareStackTrace when installing was put there by other code, and is kept.
const THREAD_DEFAULT = Error.prepareStackTrace;

// Install the lazy formatter in this thread, before the op's code is imported. Not installed (false) when Node already
// maps stacks (--enable-source-maps, tsx) or another formatter is in place.
export function installStackMaps(options: StackMapsOptions = {}): boolean {
  if (Error.prepareStackTrace !== THREAD_DEFAULT) return false;
  if (process.sourceMapsEnabled || process.execArgv.includes('--enable-source-maps')) return false;
  Error.prepareStackTrace = lazySourceMappedStacks(options);
  return true;
}

// The formatter: V8's stack text, with each frame of a file that has a source map replaced by its original position.
export function lazySourceMappedStacks(options: StackMapsOptions = {}): Formatter {
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const maps = new Map<string, SourceMap | null>(); // file name as V8 gives it -> its map (null: none or unusable)
  const mapOf = (fileName: string): SourceMap | null => {
    let map = maps.get(fileName);
    if (map === undefined) {
      map = loadSourceMap(fileName, read);
      maps.set(fileName, map);
    }
    return map;
  };
  return (error, callSites) => {
    let text = header(error);
    for (let i = 0; i < callSites.length; i++) text += `\n    at ${frame(callSites[i]!, callSites[i + 1], mapOf)}`;
    return text;
  };
}

// The first line(s), as Node writes them: Error.prototype.toString, or `Name [CODE]: message` for Node's own errors.
function header(error: Error): string {
  try {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const own = String(error);
      if (own.startsWith(`${error.name} [${code}]`)) return own;
    }
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

function frame(site: CallSite, caller: CallSite | undefined, mapOf: (fileName: string) => SourceMap | null): string {
  try {
    return mappedFrame(site, caller, mapOf) ?? String(site);
  } catch {
    try {
      return String(site);
    } catch {
      return '<unknown>';
    }
  }
}

// The frame at its original position, or null when its file has no map or the map has no entry there.
function mappedFrame(site: CallSite, caller: CallSite | undefined, mapOf: (fileName: string) => SourceMap | null): string | null {
  const fileName = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!fileName || line === null || column === null) return null;
  const map = mapOf(fileName);
  if (!map) return null;
  const entry: Entry = map.findEntry(line - 1, column - 1); // 0-based offsets; CallSite numbers are 1-based
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return null;
  const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  const typeName = site.getTypeName();
  const v8Name = `${typeName !== null && typeName !== 'global' ? `${typeName}.` : ''}${site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>'}`;
  const name = originalName(map, site, caller) || v8Name;
  return `${prefix}${name} (${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

// A name the source map keeps for the enclosing function (a bundler may have renamed it), else the one the map gives
// the caller's call position when the caller is in the same file; undefined when the map names neither.
function originalName(map: SourceMap, site: CallSite, caller: CallSite | undefined): string | undefined {
  const line = site.getEnclosingLineNumber();
  const column = site.getEnclosingColumnNumber();
  if (line !== null && column !== null) {
    const enclosing: Entry = map.findEntry(line - 1, column - 1);
    if (enclosing.name) return enclosing.name;
  }
  if (!caller || caller.getFileName() !== site.getFileName()) return undefined;
  const callerLine = caller.getLineNumber();
  const callerColumn = caller.getColumnNumber();
  if (callerLine === null || callerColumn === null) return undefined;
  const at: Entry = map.findEntry(callerLine - 1, callerColumn - 1);
  return at.name || undefined;
}

const MAP_COMMENT = /^\/\/[#@][ \t]*sourceMappingURL=([^\s'"]+)[ \t]*$/gm;

// Read and parse the map of a generated file: the one its last `//# sourceMappingURL=` comment names (a file beside
// it or a data: URL), else `<file>.map` beside it. Null when there is none or it cannot be read or parsed.
function loadSourceMap(fileName: string, read: (path: string) => string): SourceMap | null {
  try {
    const fileUrl = fileName.startsWith('file:') ? fileName : isAbsolute(fileName) ? pathToFileURL(fileName).href : null;
    if (fileUrl === null) return null; // node: internals, eval code, native frames
    const path = fileURLToPath(fileUrl);
    let ref: string | undefined;
    for (const m of read(path).matchAll(MAP_COMMENT)) ref = m[1];
    let text: string;
    let mapUrl: string;
    if (ref?.startsWith('data:')) {
      text = dataUrlText(ref);
      mapUrl = fileUrl;
    } else {
      mapUrl = ref ? new URL(ref, fileUrl).href : pathToFileURL(`${path}.map`).href;
      text = read(fileURLToPath(mapUrl));
    }
    return new SourceMap(absoluteSources(JSON.parse(text) as SourceMapPayload, mapUrl));
  } catch {
    return null;
  }
}

function dataUrlText(url: string): string {
  const comma = url.indexOf(',');
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  return /;base64$/i.test(meta) ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
}

// Sources as absolute URLs (sourceRoot applied, relative ones resolved against the map's own URL), as Node does for
// the maps it loads itself, so a frame names the original file by its full path.
function absoluteSources(payload: SourceMapPayload, mapUrl: string): SourceMapPayload {
  const sections = (payload as { sections?: Array<{ map?: SourceMapPayload }> }).sections;
  if (Array.isArray(sections)) {
    for (const s of sections) if (s.map) s.map = absoluteSources(s.map, mapUrl);
    return payload;
  }
  const root = payload.sourceRoot ? payload.sourceRoot.replace(/\/?$/, '/') : '';
  payload.sources = (payload.sources ?? []).map((s) => (typeof s === 'string' ? new URL(root + s, mapUrl).href : s));
  payload.sourceRoot = '';
  return payload;
}
