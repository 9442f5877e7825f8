import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

export type Resolved =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'bad-request' };

/**
 * Maps a URL path onto a file inside `root` (an absolute, real path). Anything that would leave
 * the root — `..` segments, encoded slashes or dots, NUL bytes, symlinks pointing out — is refused
 * rather than normalised, so no spelling of a path can reach a file outside dist/.
 */
export async function resolveInRoot(root: string, urlPath: string): Promise<Resolved> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-request' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-request' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'forbidden' };
  const candidate = resolve(root, '.' + decoded);
  if (!inside(root, candidate)) return { kind: 'forbidden' };
  try {
    const real = await realpath(candidate);
    if (!inside(root, real)) return { kind: 'forbidden' };
    const info = await stat(real);
    if (info.isDirectory()) return resolveInRoot(root, joinIndex(urlPath));
    if (!info.isFile()) return { kind: 'missing' };
    return { kind: 'file', path: real, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return { kind: 'missing' };
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

function joinIndex(urlPath: string): string {
  return urlPath.endsWith('/') ? `${urlPath}index.html` : `${urlPath}/index.html`;
}
