// The one spelling table of host_key_checking, shared by the inventory and the SSH transport.
export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

/** Our words, plus Ansible's booleans and yes/no. */
export const HOST_KEY_CHECKING_SPELLINGS: ReadonlyMap<unknown, HostKeyChecking> = new Map<unknown, HostKeyChecking>([
  ['strict', 'strict'],
  [true, 'strict'],
  ['yes', 'strict'],
  ['accept-new', 'accept-new'],
  ['off', 'off'],
  [false, 'off'],
  ['no', 'off'],
]);

/** The setting a spelling means; undefined for anything the table does not list. */
export function hostKeyCheckingOf(value: unknown): HostKeyChecking | undefined {
  return HOST_KEY_CHECKING_SPELLINGS.get(value);
}

export const HOST_KEY_CHECKING_HELP = 'strict, accept-new or off (Ansible spellings: true/yes strict, false/no off)';
