// ExPyRe's `update_dict_leaves` merge of config.json files, remembering which file set each leaf.
// Rules: "_DELETE_" removes a key (and is simply ignored when the key is absent: B16 fixed), dicts merge, anything else replaces.

export type JsonObject = Record<string, unknown>;

export const DELETE_MARKER = '_DELETE_';

const SEP = '\u0000';

// True for a plain JSON object (not null, not an array).
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Render a key path as a JSON path: `systems.cluster.partitions["a.b"].max_time`.
export function formatPath(path: readonly string[]): string {
  return path
    .map((seg, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`))
    .join('');
}

/** Which file last set each value of the merged config. */
export class OriginMap {
  private readonly entries = new Map<string, { file: string; seq: number }>();
  private seq = 0;

  /** Record that `file` set the whole value at `path` (forgetting older origins below it). */
  set(path: readonly string[], file: string): void {
    this.clearUnder(path);
    this.entries.set(path.join(SEP), { file, seq: this.seq++ });
  }

  /** Forget the origins of `path` and everything below it. */
  clearUnder(path: readonly string[]): void {
    const key = path.join(SEP);
    for (const k of [...this.entries.keys()]) {
      if (k === key || k.startsWith(key + SEP)) this.entries.delete(k);
    }
  }

  /** File that set the value at `path` (or the nearest enclosing value). */
  fileOf(path: readonly string[]): string | null {
    for (let n = path.length; n >= 0; n--) {
      const hit = this.entries.get(path.slice(0, n).join(SEP));
      if (hit) return hit.file;
    }
    return null;
  }

  /** Last file that set anything at or below `path` (for problems about a missing key). */
  lastFileUnder(path: readonly string[]): string | null {
    const key = path.join(SEP);
    let best: { file: string; seq: number } | null = null;
    for (const [k, v] of this.entries) {
      if ((k === key || k.startsWith(key + SEP)) && (best === null || v.seq > best.seq)) best = v;
    }
    return best?.file ?? this.fileOf(path);
  }
}

function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// Merge `source` (one parsed config.json) into `target` in place, recording `file` as the origin of what it sets.
export function mergeLeaves(target: JsonObject, source: JsonObject, file: string, origins: OriginMap, path: string[] = []): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    const here = [...path, key];
    const exists = Object.hasOwn(target, key);
    if (value === DELETE_MARKER) {
      if (exists) {
        delete target[key];
        origins.clearUnder(here);
      }
      continue;
    }
    if (isJsonObject(value)) {
      // A dict merges into a dict; into anything else (absent, null, a string) it replaces it, with its own
      // "_DELETE_" markers dropped. ExPyRe asserted on dict-into-non-dict; replacing is what a user means.
      if (!exists || !isJsonObject(target[key])) {
        setOwn(target, key, {});
        origins.set(here, file);
      }
      mergeLeaves(target[key] as JsonObject, value, file, origins, here);
      continue;
    }
    setOwn(target, key, structuredClone(value));
    origins.set(here, file);
  }
}
