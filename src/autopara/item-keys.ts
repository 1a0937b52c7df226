// Cache keys of a call and of each of its items: code fingerprint + extra op arguments (minus hash_ignore) + input
// files (path and sha256) + item. Item keys do not depend on chunking or batch size, so a rerun with other chunks finds
// what is already done. Args and each item are hashed on their own (roots `args`, `inputs[i]`) so errors name them so.
import { hash } from 'node:crypto';
import { canonicalHash, FORMAT_VERSION } from '../codec/index.ts';
import { withoutIgnored } from '../job/spec.ts';
import type { CodeBundle } from '../bundle/index.ts';

export interface CallKeys {
  callKey: string;
  itemKeys: string[];
}

// Keys for every item of a call and for the call as a whole. `inputFiles` are [path in job dir, sha256] pairs.
export function callKeys(
  bundle: Pick<CodeBundle, 'hash' | 'exportName'>, extraArgs: readonly unknown[], hashIgnore: ReadonlyArray<string | number>,
  inputs: readonly unknown[], inputFiles: ReadonlyArray<readonly [string, string]> = [],
): CallKeys {
  const args = canonicalHash(withoutIgnored(extraArgs, hashIgnore), 'args');
  const base = canonicalHash({ v: 2, code: bundle.hash, exportName: bundle.exportName, args, inputFiles });
  const itemKeys = inputs.map((item, i) => pairHash(base, canonicalHash(item, `inputs[${i}]`)));
  return { callKey: canonicalHash({ base, items: itemKeys }), itemKeys };
}

// The key of a call's snapshot (its whole result list, store/snapshots.ts): the same parts as the item keys, with the
// inputs hashed as one list (one pass, no per-item digests), so a fully cached rerun finds its results without the
// item keys. Equal inputs keys mean equal item keys, hence the same call key.
export function inputsKey(
  bundle: Pick<CodeBundle, 'hash' | 'exportName'>, extraArgs: readonly unknown[], hashIgnore: ReadonlyArray<string | number>,
  inputs: readonly unknown[], inputFiles: ReadonlyArray<readonly [string, string]> = [],
): string {
  const args = canonicalHash(withoutIgnored(extraArgs, hashIgnore), 'args');
  return canonicalHash({ snapshot: 1, code: bundle.hash, exportName: bundle.exportName, args, inputFiles, inputs: canonicalHash(inputs, 'inputs') });
}

// canonicalHash([a, b]) for two hex digests, whose canonical text is fixed (hex needs no escaping): one sha256 call
// instead of the general writer per item, same key (checked in test/unit/autopara/item-keys-fast.test.ts).
export function pairHash(a: string, b: string): string {
  return hash('sha256', `{"xpr":${FORMAT_VERSION},"v":["${a}","${b}"]}`);
}
