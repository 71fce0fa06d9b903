// Kubernetes resource quantities ("10Gi", "500m"), written in the canonical form the API server
// stores, so that desired ⊆ live stays true after the server normalises "1024Mi" to "1Gi".

const binary: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const decimalSuffix = Object.fromEntries(Object.entries(decimal).map(([s, e]) => [e, s])) as Record<number, string>;

const shape = /^([0-9]+)(?:\.([0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The form the API server stores, or undefined when `text` is not a quantity. */
export function canonicalQuantity(text: string): string | undefined {
  const m = shape.exec(text);
  if (!m) return undefined;
  const [, whole, frac = '', suffix = ''] = m;
  // value = digits * 10^exp10 * 1024^exp1024, with digits an integer
  let digits = BigInt(whole + frac);
  let exp10 = -frac.length + (decimal[suffix] ?? 0);
  const exp1024 = binary[suffix] ?? 0;
  if (exp1024 > 0) {
    digits *= 1024n ** BigInt(exp1024);
    while (exp10 < 0 && digits % 10n === 0n) {
      digits /= 10n;
      exp10 += 1;
    }
    if (exp10 >= 0 && digits * 10n ** BigInt(exp10) >= 1024n) return base1024(digits * 10n ** BigInt(exp10));
  }
  return base1000(digits, exp10);
}

function base1024(value: bigint): string {
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (i < suffixes.length - 1 && value % 1024n === 0n && value !== 0n) {
    value /= 1024n;
    i += 1;
  }
  return `${value}${suffixes[i]}`;
}

function base1000(digits: bigint, exp10: number): string {
  if (digits === 0n) return '0';
  // bring the exponent to a multiple of 3 at or below it (nano is the finest the API keeps)
  while (exp10 % 3 !== 0) {
    digits *= 10n;
    exp10 -= 1;
  }
  if (exp10 < -9) {
    const scale = 10n ** BigInt(-9 - exp10);
    digits = (digits + scale - 1n) / scale;
    exp10 = -9;
  }
  while (exp10 < 18 && digits % 1000n === 0n) {
    digits /= 1000n;
    exp10 += 3;
  }
  return `${digits}${decimalSuffix[exp10]}`;
}

/** A quantity's value as a number (for comparisons), or NaN when `text` is not a quantity. */
export function quantityNumber(text: string): number {
  const m = shape.exec(text);
  if (!m) return NaN;
  const [, whole, frac = '', suffix = ''] = m;
  return Number(`${whole}.${frac || '0'}`) * 10 ** (decimal[suffix] ?? 0) * 1024 ** (binary[suffix] ?? 0);
}
