// Plain data (objects, arrays, strings, numbers) goes through JSON.stringify in one call where that writes exactly what
// the codec writes: these values, chosen for every way it could differ, keep the hashes and text of the previous release.
import { createHash } from 'node:crypto';
import test from 'ava';
import { canonicalEncode, canonicalHash, decode, encode, encodeBytes } from '../../../src/codec/index.ts';

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

function trickyValues(): Record<string, unknown> {
  const hidden = { a: 1, b: 2 };
  Object.defineProperty(hidden, 'c', { value: 3, enumerable: false });
  const hiddenTag = { x: 1 };
  Object.defineProperty(hiddenTag, '$t', { value: 'y', enumerable: false });
  const protoKey = JSON.parse('{"__proto__": 1, "b": 2}');
  const withGetter = Object.defineProperty({ z: 1 }, 'g', { get: () => 5, enumerable: true });
  const withToJSON = Object.defineProperty({ k: 1 }, 'toJSON', { value: () => 'replaced', enumerable: false });
  return {
    records: Array.from({ length: 3000 }, (_, i) => ({ id: i, pos: [i / 7, -i, i * 0.5], label: `atom-${i}`, meta: { tags: ['x', `b${i % 3}`], kind: 'C' } })),
    // Another record shares a key name with a hidden (non-enumerable) property: a replacer list must not reveal it.
    hiddenMixed: [hidden, { c: 4, a: 0 }],
    hiddenTag: [hiddenTag, { x: 2 }],
    protoKey: [protoKey, { b: 3 }],
    inheritedNames: [{ toString: 1, constructor: 'c', valueOf: [1] }, { a: 1 }],
    intKeys: { 10: 'a', 9: 'b', 1: 'c', x: 'd', B: 'e' },
    withGetter: [withGetter, { g: 1 }],
    withToJSON: [withToJSON, { k: 2 }],
    special: [[0, -0], [NaN], [1e21, 5e-324], ['\ud800', 'é☃😀', '\u0000"\\'], [undefined], [null], [, 1]],
    longMixed: Array.from({ length: 1500 }, (_, i) => (i === 700 ? 'x' : i)),
    longNumbers: [Array.from({ length: 1100 }, (_, i) => i / 3)],
    deep: JSON.parse('['.repeat(40) + '1' + ']'.repeat(40)),
  };
}

// [canonicalHash, sha256 of encode] computed with the codec before the fast path: a change invalidates cached jobs.
const pinned: Record<string, [string, string]> = {
  records: ['66bee45957698623a5489cb541a57c51aecf8e1a24955ea21ff45c9f683dd583', '853dd8bb4741eee15cc4b49c21272eff4701d7281c4799b3c7056351abb60461'],
  hiddenMixed: ['8ce49509cd4a8cbe558f45a4d8c9ee2e7dcb8b5a064dcf6a4984705935a2ae17', 'd0895efdeadbeb29652f689056344fade6a067bda3f35c9d05351c7742980688'],
  hiddenTag: ['d3698f61b9ceda4591a5f7bba89217c31476edb31b2f0870f413124f7e73520d', 'd3698f61b9ceda4591a5f7bba89217c31476edb31b2f0870f413124f7e73520d'],
  protoKey: ['4703b04711884b84caaff23afb3ca809606bb3cd5099034cf31a98edff8a1f15', '4703b04711884b84caaff23afb3ca809606bb3cd5099034cf31a98edff8a1f15'],
  inheritedNames: ['8f5f00d4fbc1d6eae58dba5a50474f312cefbdb5a2b6b842717359874f0c7ef2', 'c06a2e7af33691a1ad9bfeb74a28a9d5ebcf7c745399b7b322b66c25a1696e8f'],
  intKeys: ['c8fd79b32e7f52f6b708d1e0e7d16e2190bf75de5691ff113ef53c16e145591d', '2821774bdbd961c20fe2fdf8c9cd25b4a5d002688d093ed5ce8254b6c34a943a'],
  withGetter: ['61cf9dbd764495cc3c399f53dca3aa644cca4590e3947c8a86b602822259c03a', '96bad58468927f297d39b4969b0e9ba9e946cd083fe911128131411af07d21cf'],
  withToJSON: ['c38de17067db60cc1c6920aeb7a592df014fe6c3f4cbbb0c1c96307d4b3221b3', 'c38de17067db60cc1c6920aeb7a592df014fe6c3f4cbbb0c1c96307d4b3221b3'],
  special: ['6f808bd1fa5c6b93f7a890f51af6ccca82d0e6dcba1429d6766200263b0f7a4b', '6f808bd1fa5c6b93f7a890f51af6ccca82d0e6dcba1429d6766200263b0f7a4b'],
  longMixed: ['1cbf2fa85a1a61e28b48a93d3d81714cb9c1b8f5f75ad82083a038f9e0e9763e', '1cbf2fa85a1a61e28b48a93d3d81714cb9c1b8f5f75ad82083a038f9e0e9763e'],
  longNumbers: ['1290154a069b3299eb63fee146c5fbba7730d67d6fd001235542567af0f27be3', '1290154a069b3299eb63fee146c5fbba7730d67d6fd001235542567af0f27be3'],
  deep: ['bedece8962653d14b18f9a0fb0c8c274cc257a7d09d137b89190be09bb76f520', 'bedece8962653d14b18f9a0fb0c8c274cc257a7d09d137b89190be09bb76f520'],
};

for (const [name, value] of Object.entries(trickyValues())) {
  test(`${name}: the canonical hash and the encoded text are those of the previous release`, (t) => {
    t.is(canonicalHash(value), pinned[name]![0]);
    t.is(sha256(encode(value)), pinned[name]![1]);
    t.is(canonicalHash(value), sha256(canonicalEncode(value)));
    t.true(encodeBytes(value).equals(Buffer.from(encode(value), 'utf8')));
  });
}

test('key order still does not change the hash of records that go through the fast path', (t) => {
  const a = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `n${i}`, pos: [i, i + 1] }));
  const b = Array.from({ length: 500 }, (_, i) => ({ pos: [i, i + 1], name: `n${i}`, id: i }));
  t.is(canonicalHash(a), canonicalHash(b));
  t.not(encode(a), encode(b));
  t.deepEqual(decode(encode(b)), b);
});

test('a polluted Object.prototype does not leak into the canonical text of objects lacking that key', (t) => {
  const proto = Object.prototype as Record<string, unknown>;
  const value = [{ polluted: 1 }, { a: 2 }];
  const before = canonicalEncode(value);
  proto.polluted = 'leak';
  try {
    t.is(canonicalEncode(value), before);
    t.false(canonicalEncode(value).includes('leak'));
  } finally {
    delete proto.polluted;
  }
});
