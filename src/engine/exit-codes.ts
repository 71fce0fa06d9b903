// The exit codes of `play` (README, CLI): a module of their own, so the CLI has them without loading the engine.
export const EXIT = { ok: 0, internal: 1, failed: 2, input: 3, unreachable: 4, both: 6, drift: 8, interrupted: 130 } as const;
