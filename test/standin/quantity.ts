// Kubernetes API stand-in: resource.Quantity's canonical form, as a real API server stores it
// ("1024Mi" → "1Gi", "0.5" → "500m", "1000" → "1k"), so clients see the same normalisation.

/** resource.ParseQuantity's refusal, what a real server answers for a malformed quantity (ErrFormatWrong). */
export const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** resource.ParseQuantity's refusal of a quantity string, or undefined when it parses. */
export function quantityError(text: string): string | undefined {
  const s = text.trim();
  const m = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(s);
  if (!m) return QUANTITY_MESSAGE;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(m[1]!)) return 'unable to parse numeric part of quantity';
  if (!/^(|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)$/.test(m[2]!)) return "unable to parse quantity's suffix";
  return undefined;
}

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = new Map(Object.entries(DECIMAL).map(([s, e]) => [e, s]));

/** Canonical form of a quantity string; the input unchanged when it does not parse. */
export function canonicalQuantity(input: string | number): string | number {
  const q = String(input).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(q);
  if (!m || (!m[2] && !m[3])) return input;
  const [, sign, int = '', frac = '', suffix = ''] = m;
  const negative = sign === '-';
  // The value in nano units (ceil, like Kubernetes' rounding to 1n precision).
  let num = BigInt((int || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  let format: 'binary' | 'decimal' | 'exponent';
  if (suffix in BINARY) {
    num *= 1024n ** BigInt(BINARY[suffix]!);
    format = 'binary';
  } else if (/^[eE]/.test(suffix)) {
    const e = Number(suffix.slice(1));
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
    format = 'exponent';
  } else {
    const e = DECIMAL[suffix]!;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
    format = 'decimal';
  }
  const nanoNum = num * 1_000_000_000n;
  let nano = nanoNum / den + (nanoNum % den ? 1n : 0n);
  if (nano === 0n) return '0';
  const s = negative ? '-' : '';
  const ONE = 1_000_000_000n;
  if (format === 'binary' && nano >= 1024n * ONE && nano % ONE === 0n) {
    let v = nano / ONE;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    const suffixOf = Object.entries(BINARY).find(([, n]) => n === k)?.[0] ?? '';
    return `${s}${v}${suffixOf}`;
  }
  let exp = -9;
  while (exp < 18 && nano % 1000n === 0n) {
    nano /= 1000n;
    exp += 3;
  }
  if (format === 'exponent') return `${s}${nano}${exp === 0 ? '' : `e${exp}`}`;
  return `${s}${nano}${DECIMAL_SUFFIX.get(exp)}`;
}

function canonicalMap(m: unknown) {
  if (!m || typeof m !== 'object') return;
  const rec = m as Record<string, string | number>;
  for (const k of Object.keys(rec)) rec[k] = canonicalQuantity(rec[k]!);
}

/** Canonicalises the quantity fields of the kinds the stand-in serves, in place. */
export function canonicalizeQuantities(o: Record<string, any>): void {
  const containers = [...(o.spec?.template?.spec?.containers ?? []), ...(o.spec?.containers ?? [])];
  for (const c of containers) {
    canonicalMap(c?.resources?.requests);
    canonicalMap(c?.resources?.limits);
  }
  if (o.kind === 'PersistentVolumeClaim') {
    canonicalMap(o.spec?.resources?.requests);
    canonicalMap(o.spec?.resources?.limits);
  }
  if (o.kind === 'PersistentVolume') canonicalMap(o.spec?.capacity);
}

export const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** A quantity's numeric value (NaN when it does not parse). */
export function quantityValue(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(q);
  if (!m) return NaN;
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix]!;
}
