// A value that must never be shown. Every Secret registers its plaintext so that
// reporters can scrub it from any text as a second line of defence.
const known = new Set<string>();

export class Secret {
  readonly #value: string;
  constructor(value: string, readonly label = 'secret') {
    this.#value = value;
    if (value.length >= 3) known.add(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${this.label}: ***)`;
  }
}

export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}

/** Registers a derived value (a base64 of a password, a private key PEM) as secret text too. */
export function markSecretText(text: string): void {
  if (text.length >= 3) known.add(text);
}

/** Replaces every known secret plaintext in `text` with ***. */
export function redact(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}
