/**
 * SPKI SHA-256 hashes of real interception roots, as Chromium ships them in
 * net/cert/cert_verify_proc_blocklist.inc (docs/campaigns.md §2.2), plus the two badssl test
 * roots Chromium lists for its interception interstitials. Hex and base64 are both given so a
 * test can check one against the other.
 */

export interface KnownInterceptionSpki {
  /** SHA-256 of the DER certificate: the file name in net/data/ssl/blocklist/ */
  certSha256: string;
  spkiSha256Hex: string;
  spkiSha256Base64: string;
  subject: string;
  source: string;
  /** on kSPKIBlockList (any chain through it is revoked) */
  spkiBlockList: boolean;
  /** on kKnownInterceptionList (Chromium names the interception) */
  knownInterceptionList: boolean;
  /** badssl's test roots, not a real campaign */
  test: boolean;
}

const CHROMIUM_BLOCKLIST = 'chromium/chromium:net/cert/cert_verify_proc_blocklist.inc and net/data/ssl/blocklist/';

function kz(certSha256: string, spkiHex: string, spkiB64: string, subject: string, known: boolean, note = ''): KnownInterceptionSpki {
  return {
    certSha256,
    spkiSha256Hex: spkiHex,
    spkiSha256Base64: spkiB64,
    subject,
    source: `${CHROMIUM_BLOCKLIST}${certSha256}.pem${note}`,
    spkiBlockList: true,
    knownInterceptionList: known,
    test: false,
  };
}

const ISCA = 'CN=Information Security Certification Authority, O=ISCA, C=KZ';

export const KNOWN_INTERCEPTION_SPKIS: readonly KnownInterceptionSpki[] = Object.freeze([
  kz('00309c736dd661da6f1eb24173aa849944c168a43a15bffd192eecfdb6f8dbd2', 'b5ba8dd7f89564c2889d3d6453c84998c77824919b64ea0835aa62986591be50', 'tbqN1/iVZMKInT1kU8hJmMd4JJGbZOoINapimGWRvlA=', 'C=KZ, CN=Qaznet Trust Network', false, ' (2019 root; also in CRLSet seq 6313 BlockedSPKIs)'),
  kz('61c0fc2e38b5b6f9071b42cee54a9013d858b6697c68b460948551b3249576a1', '8e12d0cb3b7df3ea2257579489fd8658c95603ea6cf4b73163a41eb7b7e93fee', 'jhLQyzt98+oiV1eUif2GWMlWA+ps9LcxY6Qet7fpP+4=', 'CN=Information Security Certification Authority CA, O=ISCA, C=KZ', true, ' (Dec-2020 root, Mozilla bug 1680927; CRLSet seq 6313 BlockedInterceptionSPKIs)'),
  kz('1df696f021ab1c3ace9a376b07ed7256a40214cd3396d7934087614924e2d7ef', 'b13fa2e6131a888a01f3d62056fb0efbe999eb6b6e14927613e02ba8b8fb046e', 'sT+i5hMaiIoB89YgVvsO++mZ62tuFJJ2E+ArqLj7BG4=', ISCA, true),
  kz('0230a604d99220e5612ee7862ab9f7a6e18e4f1ac4c9e27075788cc5220169ab', 'c56217b7a828c7341c0ae7a590d8790d4def536652e60ae5b8bdfa26978fe09c', 'xWIXt6goxzQcCuelkNh5DU3vU2ZS5grluL36JpeP4Jw=', 'C=KZ, ST=Nur-Sultan, L=Nur-Sultan, O=ISCA, CN=Information Security Certification Authority', true),
  kz('06fd20629c143b9eab28d2799caefc5d23fde267d16c631e3f5b8b4bab3f68e6', 'e47c5cd2dc8babb4e53f8a4983920275ef6ffaacb089e87a2c1fbe5a585f05ed', '5Hxc0tyLq7TlP4pJg5ICde9v+qywieh6LB++WlhfBe0=', ISCA, true),
  kz('0bd39de4793cdc117138f47708aa4d583acf67adb059a0d91f668d1803bf6489', '39736588b94a4ce767f731cad53f4cbe44137e321eadcaef8ce79a229bbca989', 'OXNliLlKTOdn9zHK1T9MvkQTfjIercrvjOeaIpu8qYk=', ISCA, true),
  kz('c95c133b68319ee516b5f41e377f589878af1556567cc2834ef03b1d10830fd3', 'ea12705de7c48f6fcce2cb8dbc542e0fc38ac38e08880dd04a02ef67c93ae135', '6hJwXefEj2/M4suNvFQuD8OKw44IiA3QSgLvZ8k64TU=', ISCA, true),
  kz('c530fadc9bfa265e63b755cc6ee04c2d70d60bb916ce2f331dc7359362571b25', '02a95f43431019e9dc225f05f419330190deb4a3f1869caac9842b403dcbee77', 'AqlfQ0MQGencIl8F9BkzAZDetKPxhpyqyYQrQD3L7nc=', ISCA, true),
  kz('89107c8e50e029b7b5f4ff0ccd2956bcc9d0c8ba2bfb6a58374ed63a6b034a30', '8928c59398b0f171c0f96fdae6ab8dd0f48ee06d174da10c404ac00143c7a749', 'iSjFk5iw8XHA+W/a5quN0PSO4G0XTaEMQErAAUPHp0k=', ISCA, true, ' (2024-02 MITM, Mozilla bug 1879046)'),
  {
    // Chromium names this file by the SPKI hash, not the certificate hash
    certSha256: '235150de7df7db2e538d461bc4d210c4e0819be2c4c76969476e3cbe67b723dd',
    spkiSha256Hex: '3472e4f16c570e0dd388aaaa4a64a34a4b939f1ca770996b5be0037c1aded9c1',
    spkiSha256Base64: 'NHLk8WxXDg3TiKqqSmSjSkuTnxyncJlrW+ADfBre2cE=',
    subject: ISCA,
    source: `${CHROMIUM_BLOCKLIST}3472e4f16c570e0dd388aaaa4a64a34a4b939f1ca770996b5be0037c1aded9c1.pem (isca.gov.kz download, net4people #339)`,
    spkiBlockList: true,
    knownInterceptionList: true,
    test: false,
  },
  {
    certSha256: '44a24410',
    spkiSha256Hex: 'b0fcce78c1664e293544c143e3d2689f723f5b6e6317107e163d22ba8069794a',
    spkiSha256Base64: 'sPzOeMFmTik1RMFD49Jon3I/W25jFxB+Fj0iuoBpeUo=',
    subject: 'blocked-interception.badssl.com test root',
    source: `${CHROMIUM_BLOCKLIST} (badssl test; certificate hash prefix only recorded)`,
    spkiBlockList: true,
    knownInterceptionList: true,
    test: true,
  },
  {
    certSha256: '143315c8',
    spkiSha256Hex: 'a4e9af01416e3a029b5d35e5b119de00cfe156c5cf95fc823cf6d05e3c1a8237',
    spkiSha256Base64: 'pOmvAUFuOgKbXTXlsRneAM/hVsXPlfyCPPbQXjwagjc=',
    subject: 'known-interception.badssl.com test root',
    source: `${CHROMIUM_BLOCKLIST} (badssl test; certificate hash prefix only recorded)`,
    spkiBlockList: false,
    knownInterceptionList: true,
    test: true,
  },
]);

/** The real Kazakh campaign roots only (no badssl test entries). */
export const KAZAKH_INTERCEPTION_SPKIS = KNOWN_INTERCEPTION_SPKIS.filter((e) => !e.test);
