// The stand-in stores quantities in Kubernetes' canonical form (test/standin/quantity.ts).
import test from 'ava';
import { canonicalQuantity } from '../standin/quantity.js';

test('quantities are stored canonically, as a real API server does', (t) => {
  const cases: [string, string][] = [
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['10Gi', '10Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5', '500m'],
    ['100m', '100m'],
    ['1000m', '1'],
    ['1000', '1k'],
    ['64Mi', '64Mi'],
    ['512Ki', '512Ki'],
    ['1e3', '1e3'],
    ['0', '0'],
    ['500Mi', '500Mi'],
    ['0.1Gi', '107374182400m'],
  ];
  for (const [input, want] of cases) t.is(canonicalQuantity(input), want, input);
  t.is(canonicalQuantity('ten'), 'ten', 'unparsable input is left for validation to refuse');
});
