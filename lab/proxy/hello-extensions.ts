/**
 * The two ClientHello extensions the engine acts on, decoded strictly: the server name decides
 * interception and becomes the upstream `servername`, the ALPN list becomes the upstream offer.
 * Both reach OpenSSL through Node, which asserts (aborting the process) on some inputs a lenient
 * parser lets through: an empty protocol name killed the engine with a 60-byte hello. So every
 * length must add up exactly, as OpenSSL's own server checks them (RFC 6066 §3, RFC 7301 §3.1).
 * A violation throws RangeError, which the front reports as a malformed hello.
 */

/** server_name: exactly one host_name entry (what OpenSSL accepts); the name as raw latin1 text. */
export function decodeServerName(data: Buffer): string {
  if (data.length < 2 || data.readUInt16BE(0) !== data.length - 2) throw new RangeError('server_name list length does not match its extension');
  if (data.length < 5) throw new RangeError('server_name list is empty');
  const type = data[2]!;
  const length = data.readUInt16BE(3);
  if (type !== 0) throw new RangeError(`server_name entry of unknown type ${type}`);
  if (length === 0) throw new RangeError('empty server_name');
  if (5 + length !== data.length) throw new RangeError('server_name list holds more (or less) than one host_name');
  // latin1 keeps every byte as one character, so the policy sees non-ASCII names as they are
  return data.toString('latin1', 5);
}

/** ALPN: a non-empty list of non-empty names whose lengths add up exactly. */
export function decodeAlpn(data: Buffer): string[] {
  if (data.length < 2 || data.readUInt16BE(0) !== data.length - 2) throw new RangeError('ALPN list length does not match its extension');
  if (data.length === 2) throw new RangeError('empty ALPN list');
  const protocols: string[] = [];
  for (let offset = 2; offset < data.length; ) {
    const length = data[offset]!;
    if (length === 0) throw new RangeError('empty ALPN protocol name');
    if (offset + 1 + length > data.length) throw new RangeError('ALPN protocol name runs past its list');
    protocols.push(data.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return protocols;
}

const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Whether a protocol name may be offered upstream: Node re-encodes names as UTF-8, so only
 * printable ASCII (every registered ALPN id) comes out byte for byte.
 */
export function isForwardableProtocol(name: string): boolean {
  return name.length > 0 && name.length <= 255 && PRINTABLE.test(name);
}

/** A name as events show it: printable ASCII as is, anything else as 0x-prefixed hex. */
export function displayProtocol(name: string): string {
  return PRINTABLE.test(name) ? name : `0x${Buffer.from(name, 'latin1').toString('hex')}`;
}
