/**
 * lab/ca public API: authorities and presets, the Forger, origin certificates, SPKI hashes,
 * blocklist artefacts and exports. Pure certificate policy; no sockets.
 */
export type { AuthorityMaterial, Forger, ForgeRequest, ForgedLeaf, KeyedCertificate, SpkiHash } from './types.ts';
export { createAuthority, PRESETS, isPresetName, type PresetName, type CreateAuthorityOptions, type GenericCaOptions } from './presets.ts';
export { saveAuthority, loadAuthority, AUTHORITY_FILES } from './store.ts';
export { createForger, forgeLeaf, resetProcessKeys, type ForgerOptions, type LabForger, type ForgedLeafDetail } from './forger.ts';
export { FORGING_PROFILES, PROFILE_NAMES, getProfile } from './profiles/index.ts';
export { issueServerCertificate, type OriginCertificateRequest, type OriginCertificate } from './origin.ts';
export { issueCrl } from './crl.ts';
export { spkiSha256, spkiSha256OfSpki, parseSpkiHash } from './spki.ts';
export { parseCertificate, parseCertificates, readCertificateFile, derToPem } from './pem.ts';
export { KEY_TYPES, type KeyType } from './keys.ts';
export { KNOWN_INTERCEPTION_SPKIS, KAZAKH_INTERCEPTION_SPKIS, type KnownInterceptionSpki } from './known-interception.ts';
export { keyStandIns, type KeyStandIn } from './stand-ins.ts';
export { encodeCrlSet, decodeCrlSet, crlSetComponentFiles, CrlSetFormatError, type CrlSetOptions, type DecodedCrlSet, type CrlSetParent } from './crlset.ts';
export { oneCrlRecord, oneCrlCollection, type OneCrlRecord, type OneCrlRecordOptions } from './onecrl.ts';
export { certificateDer, certificatePem, toPkcs12, writePhoneBundle, type Pkcs12Options } from './exports.ts';
