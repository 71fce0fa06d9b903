import { setRegistryConfigPath as orig } from '../roles/containerd-trust/toml-edit.js';
import { setRegistryConfigPath as mut } from './te-mut.js';
const V2 = 'io.containerd.grpc.v1.cri';
const cands = [
  `version = 2\n[plugins."io.containerd.grpc.v1\\u002ecri".registry]\n  config_path = ""\n`,
  `version = 2\n[ plugins . "${V2}" . registry ]\n  config_path = ""\n`,
  `version = 2\n[plugins."${V2}".registry] # x ]\n  foo = 1\n`,
  `version = 2\n[plugins.'${V2}'.registry]\n  config_path = ''\n`,
  `version = 2\n[plugins."${V2}"]\n  registry . config_path = "/x"\n`,
  `version = 2\n[plugins."${V2}".registry]\n  config_path = '''/x'''\n`,
  `version = 2\n[plugins."${V2}".registry]\n  config_path = "/x" \\\n`,
  `version = 2\n[plugins."${V2}".registry]\n  "config_path" = "/x"\n`,
  `version = 2\n[plugins."${V2}".registry]\n  config_path = """/x"""\n`,
  `version = 2\n[plugins."${V2}".registry]\n  config_path = "a\\"b"\n`,
  `version = 2\n[plugins."${V2}".registry]\n\tconfig_path="/x"#c\n`,
  `version = 2\n[plugins]\n  "${V2}".registry.headers = {}\n`,
  `version = 2\n[plugins."${V2}".registry.headers]\n[plugins."${V2}".registry]\n`,
  `version = 2\nplugins."${V2}".registry.headers.a = "b"\n`,
  `version = 2\n[plugins."${V2}"]\n  registry.headers = { a = "b" }\n`,
  `version = 2\n[plugins."${V2}".registry]\n  config_path = "" # ]\n  [plugins."${V2}".registry.x]\n`,
  `version = 2\n[plugins."${V2}".registry] \n  config_path = ""\n`,
  `version = 2\n  [plugins."${V2}".registry]\nconfig_path = ""\n`,
  `version = 2\n[plugins."${V2}".registry]\nmirrors = {}\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = """\nconfig_path = "/no"\n"""\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = '''\nconfig_path = "/no"\n'''\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = [\n "config_path = 1",\n]\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = [ # c ]\n 1,\n]\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = "#"\n`,
  `version = 2\n[plugins."${V2}".registry]\n  x = { a = """\n""" }\n`,
  `version = 2\n[[plugins."${V2}".registry.x]]\n[plugins."${V2}".registry]\n`,
  `version = 2\n["plugins"."${V2}".registry]\n`,
  `version = 2\n[plugins."${V2}".'registry']\n  config_path = "/x"\n`,
  `version = 2\nplugins = {}\n`,
];
for (const c of cands) {
  const r = (f: typeof orig) => { try { return f(c, { configPath: '/etc/containerd/certs.d', newFileVersion: () => 2 }); } catch (e) { return `THROW ${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 80)}`; } };
  const a = r(orig), b = r(mut);
  console.log(JSON.stringify(c).slice(0,70), '=>', JSON.stringify(a).slice(0,120)); if (a !== b) console.log('DIFF', JSON.stringify(c), '\n orig:', JSON.stringify(a), '\n mut :', JSON.stringify(b));
}
console.log('done');
