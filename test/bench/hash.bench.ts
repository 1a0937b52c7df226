// Benchmark: canonicalHash (ours) against object-hash (sha256) and a raw sha256 of the bytes, in one run.
// Run: node --import tsx test/bench/hash.bench.ts   (prints median ms and ratios to the raw baseline)
import { createHash } from 'node:crypto';
import objectHash from 'object-hash';
import { canonicalEncode, canonicalHash, decode, encode } from '../../src/codec/index.ts';

interface Dataset {
  name: string;
  value: unknown;
  // What the raw sha256 baseline hashes for this dataset.
  baselineName: string;
  baselineBytes: Buffer;
}

const count = 1_000_000;
const objectCount = 10_000;

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

function makeDatasets(): Dataset[] {
  const floats = Float64Array.from({ length: count }, (_, i) => Math.sin(i) * 1000);
  const numbers = Array.from(floats);
  const objects = Array.from({ length: objectCount }, (_, i) => ({
    id: i,
    pos: [Math.cos(i), Math.sin(i), i / 3],
    label: `atom-${i}`,
  }));
  const floatBytes = Buffer.from(floats.buffer);
  return [
    { name: 'Float64Array(1e6)', value: floats, baselineName: 'its 8 MB of bytes', baselineBytes: floatBytes },
    { name: 'number[] of 1e6', value: numbers, baselineName: 'the same numbers as Float64 bytes', baselineBytes: floatBytes },
    {
      name: '1e4 {id, pos:[x,y,z], label}',
      value: objects,
      baselineName: 'JSON.stringify of the array',
      baselineBytes: Buffer.from(JSON.stringify(objects)),
    },
  ];
}

function main(): void {
  const rows: string[][] = [];
  let oursTotal = 0;
  let theirsTotal = 0;
  for (const data of makeDatasets()) {
    const raw = time(() => createHash('sha256').update(data.baselineBytes).digest('hex'), 10);
    const ours = time(() => canonicalHash(data.value), 10);
    const unstreamed = time(() => createHash('sha256').update(canonicalEncode(data.value)).digest('hex'), 5);
    const theirs = time(() => objectHash(data.value as object, { algorithm: 'sha256' }), 2);
    const encodeMs = time(() => encode(data.value), 5);
    const text = encode(data.value);
    const decodeMs = time(() => decode(text), 5);
    oursTotal += ours;
    theirsTotal += theirs;
    const ratio = (ms: number): string => `${(ms / raw).toFixed(1)}x`;
    rows.push([data.name, `raw sha256 of ${data.baselineName}`, raw.toFixed(1), '1.0x']);
    rows.push(['', 'canonicalHash (ours, streamed)', ours.toFixed(1), ratio(ours)]);
    rows.push(['', 'sha256(canonicalEncode) (one string)', unstreamed.toFixed(1), ratio(unstreamed)]);
    rows.push(['', 'object-hash sha256', theirs.toFixed(1), ratio(theirs)]);
    rows.push(['', `encode (${(text.length / 1e6).toFixed(1)} MB text) / decode`, `${encodeMs.toFixed(1)} / ${decodeMs.toFixed(1)}`, '']);
    rows.push(['', 'object-hash / ours', '', `${(theirs / ours).toFixed(1)}x`]);
  }
  printTable(['data', 'method', 'ms (median)', 'vs raw'], rows);
  const winner = oursTotal < theirsTotal ? 'ours (canonicalHash)' : 'object-hash';
  console.log(`\nTotal over the three datasets: ours ${oursTotal.toFixed(0)} ms, object-hash ${theirsTotal.toFixed(0)} ms -> faster: ${winner}.`);
  console.log('object-hash ran at full size with 2 timed runs (after 1 warm-up); ours with 10.');
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

main();
