// scripts/debian-packages.txt as data: which roles install which Debian package. The
// shell scripts read the same file with awk; this is for doctor's tests and the suite.
import { readFile } from 'node:fs/promises';
import { type Role, ROLES } from './catalogue.ts';

export const PACKAGE_LIST_PATH = new URL('../../scripts/debian-packages.txt', import.meta.url);

export interface PackageLine {
  roles: Role[];
  package: string;
}

/** The lines of the list; a role that does not exist or a malformed line is an error. */
export function parsePackageList(text: string): PackageLine[] {
  const lines: PackageLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) {
      throw new Error(`debian-packages.txt line ${index + 1}: want "ROLES PACKAGE", got "${line}"`);
    }
    const roles = fields[0]!.split(',');
    const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
    if (unknown.length) {
      throw new Error(`debian-packages.txt line ${index + 1}: unknown role ${unknown.join(', ')}`);
    }
    lines.push({ roles: roles as Role[], package: fields[1]! });
  });
  return lines;
}

export async function readPackageList(): Promise<PackageLine[]> {
  return parsePackageList(await readFile(PACKAGE_LIST_PATH, 'utf8'));
}

/** The packages the roles install (what setup.sh or setup-box.sh would ask apt for). */
export function packagesOf(lines: readonly PackageLine[], roles: readonly Role[]): Set<string> {
  return new Set(
    lines.filter((line) => line.roles.some((role) => roles.includes(role))).map((l) => l.package),
  );
}
