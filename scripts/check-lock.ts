/**
 * `npm ci` installs only what package-lock.json lists. A lock written on one platform with some npm
 * configurations leaves out the other platforms' optional binaries (rollup, rolldown, esbuild), and
 * `npm ci` on macOS or Windows then fails. Every optional dependency of every locked package must be
 * locked too. Run by `npm run lint`.
 */
import { readFileSync } from 'node:fs';

interface LockEntry {
  readonly optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const paths = new Set(Object.keys(lock.packages));
const missing: string[] = [];

/** npm's lookup: node_modules of the package itself, then of each enclosing package, then the root. */
function isLocked(from: string, name: string): boolean {
  let dir = from;
  for (;;) {
    if (paths.has(`${dir === '' ? '' : `${dir}/`}node_modules/${name}`)) return true;
    if (dir === '') return false;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

for (const [path, entry] of Object.entries(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!isLocked(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
  }
}

if (missing.length > 0) {
  for (const m of missing) console.error(`package-lock.json lacks the optional dependency ${m}`);
  console.error('regenerate the lock (npm install --package-lock-only) so that it lists every platform');
  process.exit(1);
}
console.log(`lock ok: every optional dependency of ${paths.size} packages is locked`);
