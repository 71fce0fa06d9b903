import test from 'ava';
import { parse } from 'smol-toml';
import { StateError } from '../../src/errors.js';
import { setRegistryConfigPath, verifiedEdit } from '../../roles/containerd-trust/toml-edit.js';

const CERTS = '/etc/containerd/certs.d';
const edit = (current: string | null, version: 2 | 3 = 2) => setRegistryConfigPath(current, { configPath: CERTS, newFileVersion: () => version });
const configPathAt = (text: string, plugin: string) =>
  ((parse(text) as any).plugins?.[plugin]?.registry?.config_path as string | undefined);

const V2 = 'io.containerd.grpc.v1.cri';
const V3 = 'io.containerd.cri.v1.images';

// Shaped like `containerd config default` from 1.6, with user comments and settings.
const defaultDump = `# site settings: do not lose these
version = 2
root = "/var/lib/containerd"   # big disk

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""   # filled in by the platform team

      [plugins."io.containerd.grpc.v1.cri".registry.auths]

      [plugins."io.containerd.grpc.v1.cri".registry.configs]

      [plugins."io.containerd.grpc.v1.cri".registry.headers]

      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]
  [plugins."io.containerd.internal.v1.opt"]
    path = "/opt/containerd"
`;

/** Lines of `after` that are not in `before` at the same place, for "only one line changed" checks. */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  return b.filter((line, i) => a[i] !== line);
}

test('no change: a version 2 file whose config_path is already set is returned as the same string', (t) => {
  const current = defaultDump.replace('config_path = ""', `config_path = "${CERTS}"`);
  t.is(edit(current), current);
});

test('no change: a version 3 file with the v3 key set is returned unchanged', (t) => {
  const current = `version = 3\n\n[plugins."${V3}".registry]\n  config_path = "${CERTS}"\n`;
  t.is(edit(current), current);
});

test('version 2: only the config_path line changes; comments, user settings and its trailing comment stay', (t) => {
  const out = edit(defaultDump);
  t.deepEqual(changedLines(defaultDump, out), [`      config_path = "${CERTS}"   # filled in by the platform team`]);
  t.is(out.length, defaultDump.length + CERTS.length);
  t.is(configPathAt(out, V2), CERTS);
  t.true((parse(out) as any).plugins[V2].containerd.runtimes.runc.options.SystemdCgroup);
});

test('empty mirrors/configs tables (as `containerd config default` writes them) are not a conflict', (t) => {
  t.notThrows(() => edit(defaultDump));
});

test('version 3 gets [plugins."io.containerd.cri.v1.images".registry], appended after the untouched original', (t) => {
  const current = `version = 3\n# keep me\n[plugins."io.containerd.cri.v1.runtime"]\n  enable_selinux = false\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/old"  # v2 key, ignored by 2.x\n`;
  const out = edit(current);
  t.true(out.startsWith(current));
  t.is(out.slice(current.length), `\n[plugins."${V3}".registry]\n  config_path = "${CERTS}"\n`);
  t.is(configPathAt(out, V3), CERTS);
  t.is(configPathAt(out, V2), '/old');
});

test('version 2 without a registry table: the table is appended, everything before it kept byte for byte', (t) => {
  const current = `version = 2\n\n[plugins]\n  [plugins."${V2}"]\n    # pause image pinned\n    sandbox_image = "pause:3.9"\n  [plugins."io.containerd.internal.v1.opt"]\n    path = "/opt/containerd"`;
  const out = edit(current);
  t.true(out.startsWith(current + '\n'));
  t.is(configPathAt(out, V2), CERTS);
});

test('a registry header without config_path gets the key right under it, indented like its keys', (t) => {
  const current = `version = 2\n[plugins."${V2}".registry]\n    # tuned\n    [plugins."${V2}".registry.headers]\n      X-Team = ["a"]\n`;
  const out = edit(current);
  t.is(out, `version = 2\n[plugins."${V2}".registry]\n  config_path = "${CERTS}"\n    # tuned\n    [plugins."${V2}".registry.headers]\n      X-Team = ["a"]\n`);
});

test('a registry header with keys gets config_path indented like them; one without, two deeper than the header', (t) => {
  const keyed = `version = 2\n[plugins."${V2}".registry]\n      foo = "x"\n`;
  t.is(edit(keyed), `version = 2\n[plugins."${V2}".registry]\n      config_path = "${CERTS}"\n      foo = "x"\n`);
  const bare = `version = 2\n  [plugins."${V2}".registry]\n`;
  t.is(edit(bare), `version = 2\n  [plugins."${V2}".registry]\n    config_path = "${CERTS}"\n`);
});

test('dotted form under [plugins."io.containerd.grpc.v1.cri"]: registry.config_path is replaced on its line', (t) => {
  const current = `version = 2\n[plugins."${V2}"]\n  sandbox_image = "pause:3.9"\n  registry.config_path = '/old/path'\n  enable_cdi = true\n`;
  const out = edit(current);
  t.is(out, current.replace(`'/old/path'`, `"${CERTS}"`));
});

test('dotted form defining the registry table without config_path: registry.config_path is added beside it', (t) => {
  const current = `version = 2\n[plugins."${V2}"]\n  registry.headers.X-Team = [\n    "a",\n  ]\n  enable_cdi = true\n`;
  const out = edit(current);
  t.is(out, `version = 2\n[plugins."${V2}"]\n  registry.headers.X-Team = [\n    "a",\n  ]\n  registry.config_path = "${CERTS}"\n  enable_cdi = true\n`);
});

test('a file without a version line is version 1: the key goes under [plugins.cri.registry]', (t) => {
  const current = `root = "/var/lib/containerd"\n[plugins.cri]\n  sandbox_image = "pause:3.9"\n`;
  const out = edit(current);
  t.is(out, `${current}\n[plugins.cri.registry]\n  config_path = "${CERTS}"\n`);
});

test('no file: a minimal config for the installed containerd (2 for 1.x, 3 for 2.x)', (t) => {
  t.is(configPathAt(edit(null, 2), V2), CERTS);
  t.is((parse(edit(null, 2)) as any).version, 2);
  t.is(configPathAt(edit(null, 3), V3), CERTS);
  t.is((parse(edit(null, 3)) as any).version, 3);
});

test('a file with only comments gets a version line and the key; the comments stay', (t) => {
  const current = '# managed elsewhere\n';
  const out = edit(current, 3);
  t.is(out, `version = 3\n# managed elsewhere\n\n[plugins."${V3}".registry]\n  config_path = "${CERTS}"\n`);
});

test('CRLF line endings are kept', (t) => {
  const current = `version = 2\r\n[plugins."${V2}".registry]\r\n  config_path = ""\r\n`;
  t.is(edit(current), `version = 2\r\n[plugins."${V2}".registry]\r\n  config_path = "${CERTS}"\r\n`);
});

test('a header-looking line inside a multi-line string is not mistaken for the registry table', (t) => {
  const current = `version = 2\n[plugins."x"]\n  note = """\n[plugins."${V2}".registry]\n"""\n`;
  const out = edit(current);
  t.true(out.startsWith(current));
  t.is(configPathAt(out, V2), CERTS);
  t.is((parse(out) as any).plugins.x.note, `[plugins."${V2}".registry]\n`);
});

const refusals: Array<[string, string, RegExp]> = [
  ['registry mirrors', `version = 2\n[plugins."${V2}".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror.local"]\n`, /mirrors/],
  ['configs.*.tls', `version = 2\n[plugins."${V2}".registry.configs."reg:5000".tls]\n  ca_file = "/ca.crt"\n`, /configs\."reg:5000"\.tls/],
  ['v3 mirrors', `version = 3\n[plugins."${V3}".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n`, /mirrors/],
  ['an inline registry table', `version = 2\n[plugins."${V2}"]\n  registry = { config_path = "/x" }\n`, /inline table/],
  ['invalid TOML', `version = 2\n[plugins\n`, /not valid TOML \(line 2/],
  ['an unknown version', `version = 9\n`, /version = 9/],
  ['a multi-line config_path', `version = 2\n[plugins."${V2}".registry]\n  config_path = """\n/old"""\n`, /config\.toml: config_path is not a one-line string/],
  ['a config_path that is not a string', `version = 2\n[plugins."${V2}".registry]\n  config_path = 5\n`, /config\.toml: config_path is not a one-line string/],
];
for (const [what, current, message] of refusals) {
  test(`refuses ${what} with a StateError saying what to do`, (t) => {
    const e = t.throws(() => edit(current), { instanceOf: StateError });
    t.regex(e!.message, message);
  });
}

test('configs.*.auth alone (deprecated but valid with config_path) is not refused', (t) => {
  const current = `version = 2\n[plugins."${V2}".registry.configs."reg:5000".auth]\n  username = "u"\n`;
  t.is(configPathAt(edit(current), V2), CERTS);
});

// The line edit is checked by re-parsing its result (verifiedEdit). No layout found fools the
// layout analysis into a wrong edit, so the check is proven here directly.
test('the re-parse check refuses an edit that parses to anything but the expected document, or does not parse', (t) => {
  const regPath = ['plugins', V2, 'registry'];
  const expected = { version: 2, plugins: { [V2]: { registry: { config_path: CERTS } } } };
  const right = `version = 2\n[plugins."${V2}".registry]\n  config_path = "${CERTS}"\n`;
  t.is(verifiedEdit(right, expected, 'config.toml', regPath), right);
  const message = /could not set config_path in config\.toml without changing anything else \(unusual layout around \[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\)/;
  for (const wrong of [right.replace(CERTS, '/elsewhere'), `${right}extra = 1\n`, right.replace('version = 2', 'version = 3'), `${right}[plugins\n`]) {
    const e = t.throws(() => verifiedEdit(wrong, expected, 'config.toml', regPath), { instanceOf: StateError, message });
    t.regex(e!.hint ?? '', /add `config_path = "<certs dir>"` under \[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\] by hand/);
  }
  // A TOML date compares by value, whatever object the parser makes of it.
  const dated = `when = 2024-01-02T03:04:05Z\n`;
  t.is(verifiedEdit(dated, parse(dated) as Record<string, unknown>, 'config.toml', regPath), dated);
});

// Found by mutation testing (npm run mutate -- toml-edit): exact messages and hints, and layouts
// the tests above did not pin down.
const refusal = (current: string) => t0(() => edit(current));
function t0(f: () => unknown): StateError {
  try {
    f();
  } catch (e) {
    if (e instanceof StateError) return e;
    throw e;
  }
  throw new Error('no StateError');
}

test('each refusal says exactly what is wrong and what to do', (t) => {
  const invalid = refusal('version = 2\n[plugins\n');
  t.is(invalid.message, 'config.toml is not valid TOML (line 2, column 9: illegal character in key)');
  t.is(invalid.hint, 'fix the file by hand: containerd cannot read it either');
  const mirrors = refusal(`version = 2\n[plugins."${V2}".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n`);
  t.is(mirrors.message, `config.toml sets [plugins."${V2}".registry] mirrors; containerd refuses to start when mirrors and config_path are both set`);
  t.regex(mirrors.hint ?? '', /^move each mirror to <certs dir>\/<registry>\/hosts\.toml/);
  const tls = refusal(`version = 2\n[plugins."${V2}".registry.configs."a:5000".tls]\n  ca_file = "/a"\n[plugins."${V2}".registry.configs."b:5000".tls]\n  ca_file = "/b"\n`);
  t.regex(tls.message, /configs\."a:5000", "b:5000"\.tls; containerd refuses/);
  t.regex(tls.hint ?? '', /^move those CA\/client certificates to <certs\.d>\/<registry>\/hosts\.toml/);
  t.is(refusal('version = 9\n').hint, 'use a version 2 (containerd 1.x) or version 3 (containerd 2.x) config');
  t.is(refusal(`version = 2\n[plugins."${V2}".registry]\n  config_path = 5\n`).hint, `write it as config_path = "${CERTS}", then re-run`);
  t.is(refusal(`version = 2\n[plugins."${V2}"]\n  registry = { x = 1 }\n`).hint, `add config_path = "${CERTS}" inside it by hand, or rewrite it as a [plugins."${V2}".registry] table`);
});

test('a new file is exactly the minimal config, its comment included', (t) => {
  t.is(edit(null, 2), `# Created by regplay (containerd-trust). containerd uses its built-in defaults for everything not set here.\nversion = 2\n\n[plugins."${V2}".registry]\n  config_path = "${CERTS}"\n`);
});

test('an empty file gets the version line and the table, without a blank line first', (t) => {
  t.is(edit('', 3), `version = 3\n[plugins."${V3}".registry]\n  config_path = "${CERTS}"\n`);
});

test('version = 1 written out is version 1: [plugins.cri.registry]', (t) => {
  t.is(edit('version = 1\n'), `version = 1\n\n[plugins.cri.registry]\n  config_path = "${CERTS}"\n`);
});

test('the right value in another quoting is no change; a wrong one keeps the spacing after =', (t) => {
  const literal = `version = 2\n[plugins."${V2}".registry]\n  config_path = '${CERTS}'\n`;
  t.is(edit(literal), literal);
  const spaced = `version = 2\n[plugins."${V2}".registry]\n  config_path =   "/old"\n`;
  t.is(edit(spaced), spaced.replace('"/old"', `"${CERTS}"`));
});

test('a mirrors or configs entry that is no table is no mirror and no TLS config: the key is set, nothing refused', (t) => {
  // containerd itself would not load such a file; the role names only what it knows to be a conflict.
  const text = `version = 2\n[plugins."${V2}".registry]\n  mirrors = "x"\n  [plugins."${V2}".registry.configs]\n    "r.local:5000" = "x"\n`;
  const out = edit(text);
  t.is(configPathAt(out!, V2), CERTS);
  t.is((parse(out!) as any).plugins[V2].registry.mirrors, 'x', 'the user\'s value stays');
  const scalarConfigs = `version = 2\n[plugins."${V2}".registry]\n  configs = "tls"\n`;
  t.is(configPathAt(edit(scalarConfigs)!, V2), CERTS);
});
