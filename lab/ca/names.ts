/**
 * Distinguished names with an exact encoding. Real roots use PrintableString throughout, and
 * OneCRL matches issuer names byte for byte, so presets spell every attribute out.
 */
import { x509 } from './x509.ts';
import { UserError } from '../errors.ts';

export type Rdn = readonly [attribute: string, value: string];

/** One attribute per RDN, in the given order, every value as PrintableString. */
export function printableName(rdns: readonly Rdn[]): x509.Name {
  for (const [attribute, value] of rdns) {
    if (!x509.Name.isPrintableString(value)) {
      throw new UserError(`${attribute}="${value}" cannot be a PrintableString`);
    }
  }
  return new x509.Name(rdns.map(([attribute, value]) => ({ [attribute]: [{ printableString: value }] })));
}

/** RFC 4514-style text ("CN=Lab CA, O=Lab, C=XX"); @peculiar/x509 picks PrintableString when it can. */
export function parseDistinguishedName(text: string): x509.Name {
  try {
    const name = new x509.Name(text);
    if (name.toJSON().length === 0) throw new Error('empty name');
    return name;
  } catch (err) {
    throw new UserError(`invalid distinguished name "${text}": ${(err as Error).message}`);
  }
}

export function nameDer(name: x509.Name): Buffer {
  return Buffer.from(name.toArrayBuffer());
}
