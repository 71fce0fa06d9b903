// A value that must never be shown. Every Secret registers its plaintext so that
// reporters can scrub it from any text as a second line of defence.
const known = new Set<string>();
/** Below this length a secret is only scrubbed as a whole token: "ab" must not mangle "table". */
const SHORT = 4;
let ordered: string[] | undefined;

function register(text: string): void {
  if (text.length === 0 || known.has(text)) return;
  known.add(text);
  ordered = undefined;
}

export class Secret {
  readonly #value: string;
  constructor(value: string, readonly label = 'secret') {
    this.#value = value;
    register(value);
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
  register(text);
}

/** Text that may be secret. A Secret content makes the resource sensitive automatically. */
export type Content = string | Secret;

/** The plaintext of a Secret, or the string itself: for content that must reach a host as-is. */
export function reveal(content: Content): string {
  return isSecret(content) ? content.reveal() : content;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every known secret plaintext in `text` with ***; short ones only as whole tokens. */
export function redact(text: string): string {
  // Longest first, so a short secret inside a longer one cannot break the longer one's match.
  ordered ??= [...known].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of ordered) {
    if (!out.includes(s)) continue;
    out = s.length >= SHORT ? out.split(s).join('***') : out.replace(new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(s)}(?![A-Za-z0-9_])`, 'g'), '***');
  }
  return out;
}
