// What `import ... from 'regplay'` gives a role written outside this package (docs/roles.md):
// the role contract, the desired-state types, the errors a role may throw and the Secret type.
export type { HostRef, Role, RoleContext, Vars } from './resources/role.js';
export type { CommandState, Content, DirectoryState, FactQuery, FactValues, FileSetState, FileState, K8sObject, K8sState, Resource } from './resources/types.js';
export { InputError, PendingFactError, StateError } from './errors.js';
export { isSecret, reveal, Secret } from './secret.js';
