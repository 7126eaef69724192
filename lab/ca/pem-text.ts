/** PEM text without parsing it: cheap enough for the engine's hot path and the runtimes. */

/** Splits a PEM bundle (or an array of them) into one PEM string per certificate, leaf first as given. */
export function splitPem(bundle: string | readonly string[]): string[] {
  const text = typeof bundle === 'string' ? bundle : bundle.join('\n');
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((pem) => `${pem}\n`) ?? [];
}
