// Where the registry image reads its config. A config mounted anywhere else is silently
// ignored (the image starts with its built-in example config), so the path follows the tag.
import { InputError } from '../../src/errors.js';

export interface ConfigLocation {
  /** Absolute path of config.yml inside the container. */
  path: string;
  /** Container args, only when the path is not the image's default. */
  args?: string[];
}

const byMajor: Record<number, string> = {
  2: '/etc/docker/registry/config.yml',
  3: '/etc/distribution/config.yml',
};

/** The tag's major version ("registry:2.8.3" → 2, "registry" / ":latest" → 3), or undefined. */
export function imageMajor(image: string): number | undefined {
  return imageVersion(image).major;
}

/** The tag's major and minor version, as far as the tag says ("registry:3" → {major: 3}). */
export function imageVersion(image: string): { major?: number; minor?: number } {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return image.includes('@') ? {} : { major: 3 };
  const tag = withoutDigest.slice(colon + 1);
  if (tag === 'latest') return { major: 3 };
  const m = /^v?(\d+)(?:\.(\d+))?(?:[.-]|$)/.exec(tag);
  if (!m) return {};
  return m[2] === undefined ? { major: Number(m[1]) } : { major: Number(m[1]), minor: Number(m[2]) };
}

export function configLocation(image: string, override?: string | null): ConfigLocation {
  if (override) {
    // the images' entrypoint runs `registry serve <file>` when its first argument is a file
    return { path: override, args: [override] };
  }
  const major = imageMajor(image);
  const path = major === undefined ? undefined : byMajor[major];
  if (!path) {
    throw new InputError(
      `role k8s-apply: variable registry_image = ${JSON.stringify(image)}: cannot tell where this image reads its config (known: registry 2.x, 3.x)`,
      undefined,
      'set registry_config_path to the config file path the image reads (e.g. /etc/docker/registry/config.yml)',
    );
  }
  return { path };
}
