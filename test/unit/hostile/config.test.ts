// Malformed or hostile settings: config.json, WFL_EXPYRE_INFO, RemoteInfo and resources. Each gives an error naming
// the file and key (or is read safely); YAML tags and alias bombs never run code or exhaust memory; hosts starting with
// "-" never reach ssh as options.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { parseExpyreInfo } from '../../../src/routing/expyre-info.ts';
import { normalizeRemoteInfo } from '../../../src/routing/remote-info.ts';
import { ExpyreInfoError, RemoteInfoError } from '../../../src/routing/errors.ts';
import { normalizeResources } from '../../../src/resources/resources.ts';
import { ResourceSpecError } from '../../../src/resources/errors.ts';
import { OpenSshTransport, Ssh2Transport, SshConfigError } from '../../../src/transport/index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'xpr-hostile-cfg-'));
const CANARY = join(scratch, 'canary');

function load(text: string): { err: ConfigError; file: string } {
  const dir = mkdtempSync(join(scratch, 'p-'));
  const root = join(dir, '_expyre');
  mkdirSync(root);
  const file = join(root, 'config.json');
  writeFileSync(file, text);
  let err: unknown;
  try {
    loadConfig({ cwd: dir, env: { EXPYRE_ROOT: root }, homeDir: dir });
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError for ${text}, got ${String(err)}`);
  return { err, file };
}

const part = { num_cores: 4, max_time: '1h', max_mem: '1GB' };
const CONFIGS: Array<[string, string, RegExp]> = [
  ['a JSON syntax error', '{"systems": {"c": {"host": null,}}}', /config\.json:1:\d+: /],
  ['a list at the top', '[1, 2]', /expected a JSON object/],
  ['systems as a string', '{"systems": "slurm"}', /systems: expected an object mapping system names/],
  ['a non-integer core count', JSON.stringify({ systems: { c: { host: null, scheduler: 'slurm', partitions: { p: { ...part, num_cores: '4; rm -rf ~' } } } } }), /systems\.c\.partitions\.p\.num_cores: expected a positive integer/],
  ['a garbage max_time', JSON.stringify({ systems: { c: { host: null, scheduler: 'slurm', partitions: { p: { ...part, max_time: '$(touch x)' } } } } }), /systems\.c\.partitions\.p\.max_time/],
  ['an unknown scheduler', JSON.stringify({ systems: { c: { host: null, scheduler: 'sh -c "touch x"', partitions: { p: part } } } }), /systems\.c\.scheduler: expected one of/],
  ['a rundir that is not a string', JSON.stringify({ systems: { c: { host: 'h', scheduler: 'slurm', rundir: ['a'], partitions: { p: part } } } }), /systems\.c\.rundir: expected a directory path/],
  ['an unclosed quote in remsh_cmd', JSON.stringify({ systems: { c: { host: 'h', scheduler: 'slurm', remsh_cmd: 'ssh -o "ProxyCommand=touch x', partitions: { p: part } } } }), /systems\.c\.remsh_cmd: cannot split/],
  ['a "__proto__" key', '{"__proto__": {"polluted": 1}, "systems": {}}', /__proto__/],
];

for (const [what, text, expected] of CONFIGS) {
  test(`config.json with ${what}: ConfigError naming the file and key`, (t) => {
    const { err, file } = load(text);
    t.true(err.message.includes(file), err.message);
    t.regex(err.message, expected);
    t.is(({} as Record<string, unknown>).polluted, undefined);
  });
}

test('a host that starts with "-" (an ssh option) is refused by both transports before anything runs', (t) => {
  const host = `-oProxyCommand=touch ${CANARY}`;
  t.throws(() => new OpenSshTransport({ host, remshCmd: ['ssh'] }), { instanceOf: SshConfigError, message: /host.*must not start with "-"/s });
  const ssh2 = new Ssh2Transport({ host, agentSocket: null });
  return t.throwsAsync(ssh2.exec(['true']), { instanceOf: SshConfigError }).then(() => {
    t.false(existsSync(CANARY));
    return ssh2.close();
  });
});

const INFOS: Array<[string, string, RegExp]> = [
  ['broken JSON', '{"*": {"sys_name": "local",', /JSON|not valid YAML either/],
  ['a YAML alias bomb', ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n'), /YAML syntax error: .*alias/i],
  ['a list instead of a mapping', '- sys_name: local', /expected a mapping/],
  ['a path that does not exist', 'nowhere/info.yaml', /cannot be read: no such file|not the path of an existing file|neither/],
];

for (const [what, text, expected] of INFOS) {
  test(`WFL_EXPYRE_INFO with ${what}: ExpyreInfoError naming WFL_EXPYRE_INFO`, (t) => {
    const err = t.throws(() => parseExpyreInfo(text, 'WFL_EXPYRE_INFO', scratch), { instanceOf: ExpyreInfoError });
    t.true(err.message.includes('WFL_EXPYRE_INFO'), err.message);
    t.regex(err.message, expected);
  });
}

test('WFL_EXPYRE_INFO YAML with language tags (!!js/function, !!python/object) is read as data, never run', (t) => {
  const text = `"*":\n  sys_name: !!js/function "function(){require('fs').writeFileSync('${CANARY}','')}"\n  job_name: !!python/object/apply:os.system ["touch ${CANARY}"]\n  resources: {num_cores: 1, max_time: 1h}\n`;
  const warn = process.emitWarning;
  process.emitWarning = () => undefined; // yaml warns about unknown tags
  try {
    let table: Record<string, unknown> | undefined;
    try {
      table = parseExpyreInfo(text, 'WFL_EXPYRE_INFO', scratch);
    } catch (err) {
      t.true(err instanceof ExpyreInfoError);
    }
    if (table) {
      const entry = table['*'] as Record<string, unknown>;
      t.not(typeof entry.sys_name, 'function');
      const err = t.throws(() => normalizeRemoteInfo(entry, 'WFL_EXPYRE_INFO["*"]'), { instanceOf: RemoteInfoError });
      t.regex(err.message, /job_name/);
    }
  } finally {
    process.emitWarning = warn;
  }
  t.false(existsSync(CANARY));
});

const REMOTE: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a bad env var name', { env_vars: { 'A;touch x': '1' } }, /env_vars\.A;touch x: "A;touch x" is not a valid environment variable name/],
  ['an env var entry without "="', { env_vars: ['$(touch x)'] }, /env_vars\[0\]: .* has no "="/],
  ['pre_cmds that are not strings', { pre_cmds: [{ cmd: 'x' }] }, /pre_cmds\[0\]: expected a string/],
  ['an absolute output glob', { output_files: ['/etc/*'] }, /output_files\[0\]: .*absolute path/],
  ['a typo in a key', { resubmit_killed_job: true }, /unknown field "resubmit_killed_job" \(did you mean "resubmit_killed_jobs"\?\)/],
  ['num_inputs_per_queued_job 0', { num_inputs_per_queued_job: 0 }, /num_inputs_per_queued_job/],
];

for (const [what, extra, expected] of REMOTE) {
  test(`RemoteInfo with ${what}: RemoteInfoError naming the key`, (t) => {
    const err = t.throws(() => normalizeRemoteInfo({ sys_name: 'local', job_name: 'j', resources: { num_cores: 1, max_time: '1h' }, ...extra }, 'WFL_EXPYRE_INFO["*"]'), { instanceOf: RemoteInfoError });
    t.regex(err.message, expected);
  });
}

const RESOURCES: Array<[string, unknown, RegExp]> = [
  ['negative cores', { num_cores: -4, max_time: '1h' }, /num_cores/],
  ['a shell string as max_time', { num_cores: 1, max_time: '$(touch x)' }, /max_time/],
  ['an unknown key', { num_cores: 1, max_time: '1h', max_memory: '1GB' }, /max_memory/],
  ['an invalid partitions regexp', { num_cores: 1, max_time: '1h', partitions: '([' }, /partitions/],
  ['not an object', '4 cores', /resources/],
];

for (const [what, input, expected] of RESOURCES) {
  test(`resources with ${what}: ResourceSpecError naming the key`, (t) => {
    const err = t.throws(() => normalizeResources(input), { instanceOf: ResourceSpecError });
    t.regex(err.message, expected);
  });
}
