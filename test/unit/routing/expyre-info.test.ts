import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseExpyreInfo, resolveRemoteInfo, type ResolveOptions } from '../../../src/routing/expyre-info.ts';
import { ExpyreInfoError, RemoteInfoError } from '../../../src/routing/errors.ts';
import type { StackFrame } from '../../../src/routing/stack.ts';

const entry = (sys: string, extra: Record<string, unknown> = {}) => ({ sys_name: sys, job_name: 'j', resources: { max_time: '1h', num_cores: 1 }, ...extra });

// Innermost first: relax() in ops.ts, called by step(), called by main(), called from the module top level.
const stack: StackFrame[] = [
  { file: '/proj/src/ops.ts', functionName: 'relax' },
  { file: '/proj/driver.ts', functionName: 'step' },
  { file: '/proj/driver.ts', functionName: 'main' },
  { file: '/proj/driver.ts', functionName: '<anonymous>' },
];

function resolveWith(table: Record<string, unknown> | string, more: Partial<ResolveOptions> = {}) {
  const envText = typeof table === 'string' ? table : JSON.stringify(table);
  return resolveRemoteInfo({ envText, stack, insideJob: false, ...more });
}

function matchedKey(table: Record<string, unknown>, frames: StackFrame[] = stack): string | undefined {
  return resolveWith(table, { stack: frames }).matchedKey;
}

test('no WFL_EXPYRE_INFO (unset or blank) runs locally and says so', (t) => {
  const r = resolveRemoteInfo({ stack, insideJob: false });
  t.is(r.decision, 'local');
  t.is(r.reason, 'relax() -> local (no WFL_EXPYRE_INFO)');
  t.is(resolveRemoteInfo({ envText: '  ', stack, insideJob: false }).decision, 'local');
});

test('a file::function key matches the innermost frame and names the system and key', (t) => {
  const r = resolveWith({ 'ops.ts::relax': entry('cluster') });
  t.is(r.decision, 'remote');
  t.is(r.info?.sys_name, 'cluster');
  t.is(r.matchedKey, 'ops.ts::relax');
  t.is(r.reason, 'relax() -> system "cluster" (WFL_EXPYRE_INFO key "ops.ts::relax")');
  t.deepEqual(r.warnings, []);
});

test('the reason uses opName when given', (t) => {
  t.regex(resolveWith({ 'ops.ts::relax': entry('c') }, { opName: 'relaxOp' }).reason, /^relaxOp\(\) -> /);
});

test('several comma-separated parts match the end of the stack, outermost part first', (t) => {
  t.is(matchedKey({ 'driver.ts::step,ops.ts::relax': entry('c') }), 'driver.ts::step,ops.ts::relax');
  t.is(matchedKey({ 'driver.ts::main, driver.ts::step, src/ops.ts::relax': entry('c') }), 'driver.ts::main, driver.ts::step, src/ops.ts::relax');
});

test('parts in the wrong order, or skipping a frame, do not match', (t) => {
  t.is(matchedKey({ 'ops.ts::relax,driver.ts::step': entry('c') }), undefined);
  t.is(matchedKey({ 'driver.ts::main,ops.ts::relax': entry('c') }), undefined);
});

test('the last part must match the innermost frame, not any frame', (t) => {
  t.is(matchedKey({ 'driver.ts::step': entry('c') }), undefined);
});

test('a key with more parts than stack frames does not match', (t) => {
  t.is(matchedKey({ 'a.ts::x,driver.ts::main,driver.ts::step,ops.ts::relax': entry('c') }, stack.slice(0, 3)), undefined);
});

test('parts are regexps anchored at the end of "<path>::<function>" only', (t) => {
  t.is(matchedKey({ relax: entry('c') }), 'relax');
  t.is(matchedKey({ '::relax': entry('c') }), '::relax');
  t.is(matchedKey({ 'src/ops.ts::relax': entry('c') }), 'src/ops.ts::relax');
  t.is(matchedKey({ 'o.s.ts::relax': entry('c') }), 'o.s.ts::relax');
  t.is(matchedKey({ 'ops.ts::(relax|minimize)': entry('c') }), 'ops.ts::(relax|minimize)');
  t.is(matchedKey({ 'ops.ts::rel': entry('c') }), undefined);
  t.is(matchedKey({ 'ops.ts::relaxed': entry('c') }), undefined);
  t.is(matchedKey({ 'other/ops.ts::relax': entry('c') }), undefined);
  // An alternation is grouped before the anchor: "a|b" means (a|b)$, not a-anywhere or b$.
  t.is(matchedKey({ 'proj|nothing': entry('c') }), undefined);
});

test('.ts .js .mts .mjs .cts .cjs .tsx extensions are treated alike on both sides', (t) => {
  t.is(matchedKey({ 'ops.js::relax': entry('c') }), 'ops.js::relax');
  t.is(matchedKey({ 'ops.mjs::relax': entry('c') }), 'ops.mjs::relax');
  const bundled: StackFrame[] = [{ file: '/dist/ops.mjs', functionName: 'relax' }];
  t.is(matchedKey({ 'ops.ts::relax': entry('c') }, bundled), 'ops.ts::relax');
  t.is(matchedKey({ 'ops\\.cts::relax': entry('c') }, [{ file: '/x/ops.tsx', functionName: 'relax' }]), 'ops\\.cts::relax');
  t.is(matchedKey({ 'ops.py::relax': entry('c') }), undefined);
});

test('a Class.method frame matches keys written with or without the class', (t) => {
  const frames: StackFrame[] = [{ file: '/p/ops.ts', functionName: 'Relaxer.relax' }];
  t.is(matchedKey({ 'ops.ts::relax': entry('c') }, frames), 'ops.ts::relax');
  t.is(matchedKey({ 'ops.ts::Relaxer.relax': entry('c') }, frames), 'ops.ts::Relaxer.relax');
});

test('module top-level code answers to <module> (wfl\'s name) and <anonymous>', (t) => {
  const frames: StackFrame[] = [{ file: '/p/driver.ts', functionName: '<anonymous>' }];
  t.is(matchedKey({ 'driver.ts::<module>': entry('c') }, frames), 'driver.ts::<module>');
  t.is(matchedKey({ 'driver.ts::<anonymous>': entry('c') }, frames), 'driver.ts::<anonymous>');
});

test('remote_label matches a key exactly and the stack is not consulted', (t) => {
  const table = { 'ops.ts::relax': entry('by-stack'), 'md-step': entry('by-label') };
  const r = resolveWith(table, { remoteLabel: 'md-step' });
  t.is(r.info?.sys_name, 'by-label');
  t.is(r.reason, 'relax() -> system "by-label" (WFL_EXPYRE_INFO key "md-step" = remote_label)');
  const none = resolveWith(table, { remoteLabel: 'md' });
  t.is(none.decision, 'local');
  t.is(none.reason, 'relax() -> local (no WFL_EXPYRE_INFO key equals remote_label "md")');
});

test('a top-level sys_name applies to every call, whatever the stack or label', (t) => {
  const r = resolveWith(entry('everywhere'), { remoteLabel: 'anything' });
  t.is(r.decision, 'remote');
  t.is(r.info?.sys_name, 'everywhere');
  t.is(r.matchedKey, undefined);
  t.regex(r.reason, /top-level sys_name/);
});

test('top-level sys_name plus keyed entries is an error explaining the form (wfl does not merge them)', (t) => {
  const error = t.throws(() => resolveWith({ ...entry('x'), 'ops.ts::relax': entry('y') }), { instanceOf: RemoteInfoError });
  t.regex(error!.message, /unknown field "ops\.ts::relax" .*top-level "sys_name" makes the whole value ONE RemoteInfo/);
});

test('the first matching key wins and every other match adds a warning', (t) => {
  const r = resolveWith({ 'ops.ts::relax': entry('first'), relax: entry('second'), 'nope::x': entry('z') });
  t.is(r.info?.sys_name, 'first');
  t.is(r.warnings.length, 1);
  t.regex(r.warnings[0]!, /keys "ops\.ts::relax", "relax" all match relax\(\); using the first, "ops\.ts::relax"/);
});

test('no matching key runs locally and shows the stack to write a key for', (t) => {
  const r = resolveWith({ 'other.ts::f': entry('c') });
  t.is(r.decision, 'local');
  t.is(r.reason, 'relax() -> local (no WFL_EXPYRE_INFO key matches the call stack src/ops.ts::relax <- proj/driver.ts::step <- proj/driver.ts::main <- ... (innermost first))');
});

test('"{}" means no key matches: local', (t) => {
  t.is(resolveWith('{}').decision, 'local');
});

test('an explicit remoteInfo wins: the env var is not even read', (t) => {
  const r = resolveRemoteInfo({ explicit: entry('explicit'), envText: '{not json: [', remoteLabel: 'x', stack, insideJob: true });
  t.is(r.decision, 'remote');
  t.is(r.info?.sys_name, 'explicit');
  t.is(r.reason, 'relax() -> system "explicit" (remoteInfo option)');
});

test('an explicit \'local\' wins over a matching WFL_EXPYRE_INFO key', (t) => {
  const r = resolveWith({ 'ops.ts::relax': entry('c') }, { explicit: 'local' });
  t.is(r.decision, 'local');
  t.is(r.reason, 'relax() -> local (remoteInfo: \'local\')');
});

test('an explicit remoteInfo is validated under the name remoteInfo', (t) => {
  t.throws(() => resolveRemoteInfo({ explicit: { ...entry('c'), sysname: 'x' } as never, stack, insideJob: false }), {
    instanceOf: RemoteInfoError, message: /remoteInfo\.sysname: unknown field "sysname" \(did you mean "sys_name"\?\)/,
  });
});

test('inside a running job a call runs locally even when a key matches', (t) => {
  const r = resolveWith({ 'ops.ts::relax': entry('c') }, { insideJob: true });
  t.is(r.decision, 'local');
  t.regex(r.reason, /inside a running xpr job/);
});

test('an unknown field in any entry fails with its key path and a suggestion', (t) => {
  const error = t.throws(() => resolveWith({ 'ops.ts::relax': entry('c'), 'other.ts::f': entry('d', { check_intervall: 5 }) }), { instanceOf: RemoteInfoError });
  t.deepEqual(error!.problems.length, 1);
  t.regex(error!.problems[0]!, /^WFL_EXPYRE_INFO\["other\.ts::f"\]\.check_intervall: unknown field .*did you mean "check_interval"/);
});

test('a key with an empty part or an invalid regexp is an error naming the key', (t) => {
  t.throws(() => resolveWith({ 'ops.ts::relax,': entry('c') }), { message: /WFL_EXPYRE_INFO\["ops\.ts::relax,"\]: bad key: part 2 is empty/ });
  t.throws(() => resolveWith({ 'ops.ts::(relax': entry('c') }), { message: /bad key: part "ops\.ts::\(relax" is not a valid regular expression/ });
});

test('WFL_EXPYRE_INFO as YAML text', (t) => {
  const yaml = 'ops.ts::relax:\n  sys_name: cluster\n  job_name: r\n  resources: {max_time: 1h, num_cores: 2}\n  env_vars:\n    - A=1\n';
  const r = resolveWith(yaml);
  t.is(r.info?.sys_name, 'cluster');
  t.deepEqual(r.info?.env_vars, ['A=1']);
});

test('parseExpyreInfo reads JSON text, YAML text, and .json / .yaml files by absolute or relative path', (t) => {
  const expected = { 'ops.ts::relax': entry('c') };
  t.deepEqual(parseExpyreInfo(JSON.stringify(expected), 'WFL_EXPYRE_INFO'), expected);
  t.deepEqual(parseExpyreInfo('ops.ts::relax: {sys_name: c, job_name: j, resources: {max_time: 1h, num_cores: 1}}', 'WFL_EXPYRE_INFO'), expected);
  const dir = mkdtempSync(join(tmpdir(), 'xpr-expyre-info-'));
  writeFileSync(join(dir, 'info.json'), JSON.stringify(expected, null, 2));
  writeFileSync(join(dir, 'info.yaml'), 'ops.ts::relax:\n  sys_name: c\n  job_name: j\n  resources:\n    max_time: 1h\n    num_cores: 1\n');
  writeFileSync(join(dir, 'remoteinfo'), JSON.stringify(expected));
  t.deepEqual(parseExpyreInfo(join(dir, 'info.json'), 'WFL_EXPYRE_INFO'), expected);
  t.deepEqual(parseExpyreInfo(join(dir, 'info.yaml'), 'WFL_EXPYRE_INFO'), expected);
  t.deepEqual(parseExpyreInfo(relative(process.cwd(), join(dir, 'info.yaml')), 'WFL_EXPYRE_INFO'), expected);
  t.deepEqual(parseExpyreInfo(join(dir, 'remoteinfo'), 'WFL_EXPYRE_INFO'), expected);
});

test('a YAML syntax error names the variable, line and column', (t) => {
  const error = t.throws(() => parseExpyreInfo('ops.ts::relax:\n  sys_name: [a, b\n  job_name: j\n', 'WFL_EXPYRE_INFO'), { instanceOf: ExpyreInfoError });
  t.is(error!.line, 3);
  t.regex(error!.message, /^WFL_EXPYRE_INFO at line 3, column \d+: YAML syntax error: /);
});

test('a JSON syntax error (text starting with "{") reports the JSON position', (t) => {
  const error = t.throws(() => parseExpyreInfo('{\n  "a": {"sys_name": "x",,}\n}', 'WFL_EXPYRE_INFO'), { instanceOf: ExpyreInfoError });
  t.is(error!.line, 2);
  t.regex(error!.message, /^WFL_EXPYRE_INFO at line 2, column \d+: JSON syntax error/);
});

test('a syntax error in a named file names the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-expyre-info-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'a:\n  b: 1\n   c: 2\n');
  const error = t.throws(() => parseExpyreInfo(file, 'WFL_EXPYRE_INFO'), { instanceOf: ExpyreInfoError });
  t.is(error!.file, file);
  t.true(error!.message.startsWith(`WFL_EXPYRE_INFO file ${file} at line 2, column`));
});

test('a missing file, an empty value and a non-mapping are clear errors', (t) => {
  t.throws(() => parseExpyreInfo('/nonexistent/info.json', 'WFL_EXPYRE_INFO'), { message: /names the file \/nonexistent\/info\.json, which cannot be read: no such file/ });
  t.throws(() => parseExpyreInfo('remoteinfo_missing', 'WFL_EXPYRE_INFO'), { message: /neither a JSON\/YAML mapping nor the path of an existing file: "remoteinfo_missing"/ });
  t.throws(() => parseExpyreInfo('', 'WFL_EXPYRE_INFO'), { message: /is empty/ });
  t.throws(() => parseExpyreInfo('[1, 2]', 'WFL_EXPYRE_INFO'), { message: /expected a mapping .* got a list/ });
});

test('a relative WFL_EXPYRE_INFO file path is read from the given cwd (the context\'s), not process.cwd()', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-expyre-cwd-'));
  writeFileSync(join(dir, 'remoteinfo.json'), JSON.stringify({ 'ops.ts::relax': entry('from-cwd') }));
  writeFileSync(join(dir, 'plain-name'), JSON.stringify({ 'ops.ts::relax': entry('plain') }));
  t.is(resolveWith('remoteinfo.json', { cwd: dir }).info?.sys_name, 'from-cwd');
  t.is(resolveWith('plain-name', { cwd: dir }).info?.sys_name, 'plain');
  t.is(resolveWith('"plain-name"', { cwd: dir }).info?.sys_name, 'plain', 'a JSON string naming a file');
  t.throws(() => resolveWith('remoteinfo.json'), { instanceOf: ExpyreInfoError, message: /cannot be read: no such file/ });
  t.throws(() => resolveWith('"plain-name"', { cwd: join(dir, 'elsewhere') }), { message: new RegExp(`looked in ${join(dir, 'elsewhere').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) });
});

test('a bad resources entry in a WFL_EXPYRE_INFO file is reported with the file path and the key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-expyre-res-'));
  const file = join(dir, 'remoteinfo.json');
  writeFileSync(file, JSON.stringify({ 'ops.ts::relax': { ...entry('c'), resources: { max_tme: '1h', num_cores: 1 } } }));
  const error = t.throws(() => resolveWith(file), { instanceOf: RemoteInfoError });
  t.true(error!.problems.some((p) => p.startsWith(`${file}: WFL_EXPYRE_INFO["ops.ts::relax"].resources.max_tme: unknown key "max_tme" (did you mean "max_time"?)`)), error!.problems.join('\n'));
  const inline = t.throws(() => resolveWith({ 'other.ts::f': { ...entry('c'), resources: { max_time: '1h' } } }), { instanceOf: RemoteInfoError });
  t.regex(inline!.problems[0]!, /^WFL_EXPYRE_INFO\["other\.ts::f"\]\.resources: exactly one of num_nodes and num_cores/);
  writeFileSync(file, JSON.stringify({ ...entry('c'), resources: { max_time: 'x', num_cores: 1 } }));
  t.throws(() => resolveWith(file), { message: new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: WFL_EXPYRE_INFO\\.resources\\.max_time: cannot read "x"`) });
});
