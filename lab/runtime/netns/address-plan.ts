/**
 * Lab address range: a /16 carved into one /24 per link. Everything the lab routes stays inside
 * this range; checks that nothing leads out of it use `inLabRange`.
 */
export const DEFAULT_LAB_RANGE = '10.203.0.0/16';

export interface LabRange {
  cidr: string;
  /** first two octets, e.g. "10.203" */
  base: string;
}

export function parseLabRange(cidr: string = DEFAULT_LAB_RANGE): LabRange {
  const m = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
    throw new Error(`lab range must be a /16 written as A.B.0.0/16, got ${JSON.stringify(cidr)}`);
  }
  const base = `${m[1]}.${m[2]}`;
  if (!isPrivate(Number(m[1]), Number(m[2]))) throw new Error(`lab range ${cidr} is not private address space (RFC 1918)`);
  return { cidr, base };
}

function isPrivate(a: number, b: number): boolean {
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export function subnetOf(range: LabRange, linkIndex: number): string {
  if (linkIndex < 0 || linkIndex > 253) throw new Error(`lab range ${range.cidr} has room for 254 links`);
  return `${range.base}.${linkIndex + 1}`;
}

export function inLabRange(range: LabRange, address: string): boolean {
  return address.startsWith(`${range.base}.`);
}

/** whether a route destination (address or CIDR, `default` included) stays inside the range */
export function routeStaysInLab(range: LabRange, destination: string): boolean {
  if (destination === 'default') return false;
  const [addr, len] = destination.split('/');
  if (!addr || !inLabRange(range, addr)) return false;
  return len === undefined || Number(len) >= 16;
}
