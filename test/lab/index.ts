// The lab's public API (contract: README.md).
export { labSupport, type LabSupport } from './support.js';
export { labUp, Lab, defaultHosts, containerdGroups, type LabOptions, type LabHost, type HostGroups } from './lab.js';
export { labDown, labDownAll } from './teardown.js';
export type { RunResult } from './run.js';
