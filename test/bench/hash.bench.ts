// Benchmark: canonicalHash throughput (MB/s) against a raw sha256 of the same bytes in one run, for typed arrays,
// Buffers, number[] and nested plain objects; object-hash (sha256) is compared on the smaller datasets. Also times
// encoding and decoding: format 1 (text, binaries as base64) and format 2 (container, binaries as raw blobs).
// Since codec format 2, canonicalHash feeds binary values to sha256 as raw bytes (format 1 hashed their base64 text).
// Run: node --import tsx test/bench/hash.bench.ts   (prints median ms, MB/s and ratios to the raw baseline)
import { createHash } from 'node:crypto';
import objectHash from 'object-hash';
import { canonicalEncode, canonicalHash, decode, decodeBytes, encode, encodeBytes, encodeChunks } from '../../src/codec/index.ts';

interface Dataset {
  name: string;
  value: unknown;
  // What the raw sha256 baseline hashes for this dataset; its size is the MB of the MB/s figures.
  baselineName: string;
  baselineBytes: Buffer;
  // object-hash takes seconds on the large datasets: it runs on the small ones only.
  withObjectHash: boolean;
  reps: number;
}

const MB = 1e6;

// Median wall time in ms over `reps` runs, after one warm-up run.
function time(run: () => unknown, reps: number): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function atoms(count: number, nested: boolean): object[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    pos: [Math.cos(i), Math.sin(i), i / 3],
    label: `atom-${i}`,
    ...(nested ? { meta: { kind: i % 3 ? 'C' : 'H', charge: (i % 5) - 2, tags: ['relaxed', `batch-${i % 10}`] } } : {}),
  }));
}

function* datasets(): Generator<Dataset> {
  const floats = Float64Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i) * 1000);
  const floatBytes = Buffer.from(floats.buffer);
  yield { name: 'Float64Array(1e6)', value: floats, baselineName: 'its 8 MB of bytes', baselineBytes: floatBytes, withObjectHash: true, reps: 10 };
  const numbers = Array.from(floats);
  yield { name: 'number[] of 1e6', value: numbers, baselineName: 'the same numbers as Float64 bytes', baselineBytes: floatBytes, withObjectHash: true, reps: 10 };
  const objects = atoms(10_000, false);
  yield {
    name: '1e4 {id, pos:[x,y,z], label}', value: objects, baselineName: 'JSON.stringify of the array', baselineBytes: Buffer.from(JSON.stringify(objects)), withObjectHash: true, reps: 10,
  };
  const bigFloats = new Float64Array(12_500_000);
  for (let i = 0; i < bigFloats.length; i++) bigFloats[i] = Math.sin(i) * 1000;
  yield { name: 'Float64Array(12.5e6)', value: bigFloats, baselineName: 'its 100 MB of bytes', baselineBytes: Buffer.from(bigFloats.buffer), withObjectHash: false, reps: 5 };
  const bytes = Buffer.alloc(100 * (1 << 20));
  for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  yield { name: 'Buffer(100 MiB)', value: bytes, baselineName: 'its bytes', baselineBytes: bytes, withObjectHash: false, reps: 5 };
  const nested = { system: 'bulk', atoms: atoms(100_000, true), cell: [[10, 0, 0], [0, 10, 0], [0, 0, 10]] };
  yield { name: 'nested object, 1e5 atoms', value: nested, baselineName: 'JSON.stringify of it', baselineBytes: Buffer.from(JSON.stringify(nested)), withObjectHash: false, reps: 5 };
}

function main(): void {
  const rows: string[][] = [];
  let oursTotal = 0;
  let theirsTotal = 0;
  for (const data of datasets()) {
    const mb = data.baselineBytes.length / MB;
    const raw = time(() => createHash('sha256').update(data.baselineBytes).digest('hex'), data.reps);
    const ours = time(() => canonicalHash(data.value), data.reps);
    const unstreamed = time(() => createHash('sha256').update(canonicalEncode(data.value)).digest('hex'), Math.min(5, data.reps));
    const encodeMs = time(() => encode(data.value), Math.min(5, data.reps));
    const bytesMs = time(() => encodeBytes(data.value), Math.min(5, data.reps));
    const text = encode(data.value);
    const decodeMs = time(() => decode(text), Math.min(5, data.reps));
    const chunksMs = time(() => encodeChunks(data.value), Math.min(5, data.reps));
    const file = Buffer.concat(encodeChunks(data.value));
    const decodeBytesMs = time(() => decodeBytes(file), Math.min(5, data.reps));
    const speed = (ms: number): string => `${Math.round(mb / (ms / 1000))}`;
    const ratio = (ms: number): string => `${(ms / raw).toFixed(1)}x`;
    rows.push([`${data.name} (${mb.toFixed(1)} MB)`, `raw sha256 of ${data.baselineName}`, raw.toFixed(1), speed(raw), '1.0x']);
    rows.push(['', 'canonicalHash (ours, streamed)', ours.toFixed(1), speed(ours), ratio(ours)]);
    rows.push(['', 'sha256(canonicalEncode) (format-1 text)', unstreamed.toFixed(1), speed(unstreamed), ratio(unstreamed)]);
    if (data.withObjectHash) {
      const theirs = time(() => objectHash(data.value as object, { algorithm: 'sha256' }), 2);
      oursTotal += ours;
      theirsTotal += theirs;
      rows.push(['', 'object-hash sha256', theirs.toFixed(1), speed(theirs), ratio(theirs)]);
      rows.push(['', 'object-hash / ours', '', '', `${(theirs / ours).toFixed(1)}x`]);
    }
    rows.push(['', `format 1: encode (${(text.length / MB).toFixed(1)} MB text) / encodeBytes / decode`, `${encodeMs.toFixed(1)} / ${bytesMs.toFixed(1)} / ${decodeMs.toFixed(1)}`, '', '']);
    rows.push(['', `format 2: encodeChunks (${(file.length / MB).toFixed(1)} MB file) / decodeBytes`, `${chunksMs.toFixed(1)} / ${decodeBytesMs.toFixed(1)}`, '', '']);
  }
  printTable(['data', 'method', 'ms (median)', 'MB/s', 'vs raw'], rows);
  const winner = oursTotal < theirsTotal ? 'ours (canonicalHash)' : 'object-hash';
  console.log(`\nTotal over the three datasets with object-hash: ours ${oursTotal.toFixed(0)} ms, object-hash ${theirsTotal.toFixed(0)} ms -> faster: ${winner}.`);
  console.log('object-hash ran at full size with 2 timed runs (after 1 warm-up); ours with 10 (5 on the 100 MB datasets).');
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

main();
