// The part of the lab (test/lab, see its README) the bench uses.

export interface BenchLab {
  inventoryPath: string;
  dir: string;
  hosts: Record<string, { address: string }>;
  exec(host: string, command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  readFile(host: string, path: string): Promise<string | null>;
  writeFile(host: string, path: string, content: string): Promise<void>;
  down(): Promise<void>;
}

export interface LabModule {
  labSupport(): { ok: true } | { ok: false; reason: string };
  labUp(o: { name: string; hosts: Record<string, string[]>; standin?: boolean; persist?: boolean }): Promise<BenchLab>;
}

/** Loaded at run time so the bench's pure parts (and their tests) do not need the lab. */
export async function loadLab(): Promise<LabModule> {
  return (await import('../test/lab/index.js')) as unknown as LabModule;
}
