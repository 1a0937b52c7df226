import test from 'ava';
import { ResourceSpecError } from '../../../src/resources/errors.ts';
import { formatHMS, formatMemKb, parseMemKb, parseTimeS } from '../../../src/resources/units.ts';

const label = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v));

const times: Array<[unknown, number]> = [
  [0, 0], [90, 90], [90.5, 91], [3600.0, 3600],
  ['90', 90], [' 90 ', 90],
  ['30s', 30], ['10m', 600], [' 10 M ', 600], ['1h', 3600], ['1.5h', 5400], ['3d', 259200], ['2.5m', 150], ['0.5s', 1],
  ['1:30', 90], ['00:30', 30], ['30:00', 1800], ['1:02:03', 3723], ['1:05:00', 3900], ['49:00:10', 176410],
  ['2-5', 2 * 86400 + 5 * 3600], ['2-05:30', 2 * 86400 + 5 * 3600 + 30 * 60], ['2-1:00:00', 176400],
  ['2-1:10:05', 2 * 86400 + 3600 + 600 + 5], ['0-12', 43200],
];

for (const [input, seconds] of times) {
  test(`parseTimeS reads ${JSON.stringify(input)} as ${seconds} s`, (t) => {
    t.is(parseTimeS(input, 'resources.max_time'), seconds);
  });
}

const badTimes: unknown[] = ['1:2:3:4', '1e3s', '1e3', '-5', -5, '5 minutes', '1h30m', '', 'abc', '2-', '-2-5', ':30', '1.5', NaN, Infinity, null, true, [], {}];
for (const input of badTimes) {
  test(`parseTimeS rejects ${label(input)} naming the key and the accepted forms`, (t) => {
    const error = t.throws(() => parseTimeS(input, 'resources.max_time'), { instanceOf: ResourceSpecError });
    t.regex(error!.message, /^resources\.max_time: cannot read .* as a time; accepted: /);
    t.regex(error!.message, /N\[smhd\]/);
    t.regex(error!.message, /2-5 = 2 days 5 hours/);
    t.is(error!.where, 'resources.max_time');
    t.deepEqual(error!.problems[0]!.value, input);
  });
}

const hms: Array<[number, string]> = [[0, '0:00:00'], [5, '0:00:05'], [3700, '1:01:40'], [90061, '25:01:01'], [176410, '49:00:10']];
for (const [seconds, text] of hms) {
  test(`formatHMS writes ${seconds} s as ${text}`, (t) => {
    t.is(formatHMS(seconds), text);
  });
}

test('formatHMS refuses fractions and negative numbers', (t) => {
  t.throws(() => formatHMS(1.5), { instanceOf: RangeError });
  t.throws(() => formatHMS(-1), { instanceOf: RangeError });
});

test('formatHMS round-trips through parseTimeS', (t) => {
  for (const s of [0, 59, 60, 3599, 86399, 86400, 1234567]) t.is(parseTimeS(formatHMS(s), 'x'), s);
});

const mems: Array<[unknown, number]> = [
  [0, 0], [1024, 1024],
  ['5 kB', 5], ['5k', 5], ['5kib', 5], ['512m', 512 * 1024], ['512MB', 512 * 1024], ['512MiB', 512 * 1024],
  ['5GB', 5242880], ['5g', 5242880], ['5GiB', 5242880], ['5gb', 5242880], [' 5 G ', 5242880],
  ['1.5t', 1610612736], ['1TB', 1024 ** 3], ['1tib', 1024 ** 3], ['1500GB', 1500 * 1024 ** 2], ['0.5k', 1],
];
for (const [input, kb] of mems) {
  test(`parseMemKb reads ${JSON.stringify(input)} as ${kb} kB (binary)`, (t) => {
    t.is(parseMemKb(input, 'resources.max_mem_tot'), kb);
  });
}

const badMems: unknown[] = ['100', '100b', '5 B', '5x', '5gg', '5 gigabytes', '-5g', -5, 1.5, '1e3k', '', 'g', 'kb', null, NaN, {}];
for (const input of badMems) {
  test(`parseMemKb rejects ${label(input)} and says units are binary`, (t) => {
    const error = t.throws(() => parseMemKb(input, 'resources.max_mem_tot'), { instanceOf: ResourceSpecError });
    t.regex(error!.message, /^resources\.max_mem_tot: cannot read .* as a memory size; accepted: /);
    t.regex(error!.message, /1 kB = 1024 bytes/);
    t.regex(error!.message, /GB is read as GiB/);
  });
}

test('formatMemKb picks the largest binary unit', (t) => {
  t.is(formatMemKb(60 * 1024 ** 2), '60 GiB');
  t.is(formatMemKb(1610612736), '1.5 TiB');
  t.is(formatMemKb(512), '512 kB');
  t.is(formatMemKb(0), '0 kB');
});
