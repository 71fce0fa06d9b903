// Kubernetes API stand-in: the fields and types Kubernetes 1.32 declares as a second, independent
// generation from the v1.32.0 OpenAPI spec: `@kubernetes/client-node` 1.1.x (its models say "OpenAPI
// spec version: v1.32.0"), installed as `kubernetes-client-node-1.32`. The stand-in checks objects
// against openapi/v1.32.json; test/unit/standin-schema-version.test.ts compares the two field by field.
import * as models from 'kubernetes-client-node-1.32/dist/gen/models/ObjectSerializer.js';

interface Attribute {
  baseName: string;
  type: string;
}

export function attributes(type: string): Attribute[] | undefined {
  const model = (models as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[type];
  return model?.getAttributeTypeMap?.();
}

/** `Array<V1Container>` → `V1Container`, `{ [key: string]: string; }` → `string`. */
export function elementType(type: string): { kind: 'list' | 'map' | 'one'; type: string } {
  const list = /^Array<(.*)>$/.exec(type);
  if (list) return { kind: 'list', type: list[1]! };
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(type);
  if (map) return { kind: 'map', type: map[1]! };
  return { kind: 'one', type };
}
