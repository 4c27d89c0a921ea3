// Which packages an `apt-get install --no-install-recommends` of a list brings: the list
// and, transitively, every Depends and Pre-Depends, read from dpkg's database of this
// machine (where setup.sh installed the list). Recommends and Suggests never come. Of
// alternatives (`a | b`) apt takes one already chosen, else the first; a virtual package
// is met by an installed package that provides it.
import { execFile } from 'node:child_process';

export interface DpkgPackage {
  name: string;
  /** Each entry: the alternatives of one dependency, names without versions or arch. */
  depends: string[][];
  provides: string[];
}

/** `libc6 (>= 2.34), foo | bar:any` → [['libc6'], ['foo', 'bar']]. */
export function parseRelations(field: string): string[][] {
  return field.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) =>
    entry.split('|').map((alt) => alt.trim().split(/[\s(:]/)[0]!).filter(Boolean)
  );
}

/** The packages dpkg knows as installed, by name. */
export function installedPackages(): Promise<Map<string, DpkgPackage>> {
  const format = '${Package}\\t${db:Status-Abbrev}\\t${Depends}\\t${Pre-Depends}\\t${Provides}\\n';
  return new Promise((resolve, reject) => {
    execFile('dpkg-query', ['-W', '-f', format], { maxBuffer: 64 * 1024 * 1024 }, (error, out) => {
      if (error) return reject(new Error(`dpkg-query failed: ${error.message}`));
      const packages = new Map<string, DpkgPackage>();
      for (const line of out.split('\n')) {
        const [name, status, depends = '', preDepends = '', provides = ''] = line.split('\t');
        if (!name || !status?.startsWith('ii')) continue;
        packages.set(name, {
          name,
          depends: [...parseRelations(preDepends), ...parseRelations(depends)],
          provides: parseRelations(provides).flat(),
        });
      }
      resolve(packages);
    });
  });
}

/**
 * The closure of `roots` over hard dependencies. A root or a chosen dependency that is
 * not installed here is reported in `unknown` (its own dependencies cannot be read).
 */
export function dependencyClosure(
  roots: Iterable<string>,
  installed: ReadonlyMap<string, DpkgPackage>,
): { packages: Set<string>; unknown: Set<string> } {
  const providers = new Map<string, string[]>();
  for (const pkg of installed.values()) {
    for (const virtual of pkg.provides) {
      providers.set(virtual, [...(providers.get(virtual) ?? []), pkg.name]);
    }
  }
  const packages = new Set<string>();
  const unknown = new Set<string>();
  const queue = [...roots];
  const add = (name: string) => {
    if (!packages.has(name)) queue.push(name);
  };
  while (queue.length) {
    const name = queue.shift()!;
    if (packages.has(name)) continue;
    const pkg = installed.get(name);
    if (!pkg) {
      // A virtual name: whichever installed package provides it.
      const provider = providers.get(name)?.[0];
      if (provider) add(provider);
      else unknown.add(name);
      continue;
    }
    packages.add(name);
    for (const alternatives of pkg.depends) {
      const met = alternatives.find((alt) =>
        packages.has(alt) || (providers.get(alt) ?? []).some((p) => packages.has(p))
      );
      if (!met) add(alternatives[0]!);
    }
  }
  return { packages, unknown };
}
