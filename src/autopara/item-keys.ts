// Cache keys of a call and of each of its items: code fingerprint + extra op arguments (minus hash_ignore) + item.
// Item keys do not depend on chunking or batch size, so a rerun with other chunks finds what is already done.
import { canonicalHash } from '../codec/index.ts';
import { withoutIgnored } from '../job/spec.ts';
import type { CodeBundle } from '../bundle/index.ts';

export interface CallKeys {
  callKey: string;
  itemKeys: string[];
}

// Keys for every item of a call and for the call as a whole.
export function callKeys(bundle: CodeBundle, extraArgs: readonly unknown[], hashIgnore: ReadonlyArray<string | number>, inputs: readonly unknown[]): CallKeys {
  const base = { v: 1, code: bundle.hash, exportName: bundle.exportName, args: withoutIgnored(extraArgs, hashIgnore) };
  const baseHash = canonicalHash(base);
  const itemKeys = inputs.map((item, i) => canonicalHash({ base: baseHash, item }, `inputs[${i}]`));
  return { callKey: canonicalHash({ base: baseHash, items: itemKeys }), itemKeys };
}
