/** The shared pieces: chain reading, the clean environment, the registry, timeouts and cleanup. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { certificatesFromPem, chainSeen, formatName } from '../../lab/clients/chain.ts';
import { cleanEnvironment } from '../../lab/clients/process.ts';
import { clientShims, getClientShim } from '../../lab/clients/registry.ts';
import { UserError } from '../../harness/errors.ts';
import { startSilentServer, startTestLab, trustPublic, visitTarget, type TestLab } from './lab.ts';

/** This file's clients; browser shims share the registry and have their own tests. */
const COMMAND_LINE_AND_LIBRARY = ['curl', 'wget', 'openssl', 'gnutls', 'node', 'undici', 'python', 'java'];

describe('chain reading', () => {
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab();
  });
  after(async () => {
    await lab.close();
  });

  it('takes the root from the anchor that signed the top certificate', () => {
    const leaf = certificatesFromPem(lab.pki.publicLeaf.certPem);
    const anchors = certificatesFromPem(readFileSync(lab.pki.publicRoot.certPath, 'utf8'));
    const rogueAnchors = certificatesFromPem(readFileSync(lab.pki.rogueRoot.certPath, 'utf8'));
    assert.equal(chainSeen(leaf, anchors)?.rootSpkiSha256, lab.pki.publicRoot.spkiSha256);
    // a same-named but unrelated anchor must not be taken for the issuer; a chain that reaches no
    // root has none (its top certificate is named under its own field, never passed off as a root)
    const unanchored = chainSeen(leaf, rogueAnchors);
    assert.equal(unanchored?.rootSpkiSha256, undefined);
    assert.equal(unanchored?.topSpkiSha256, lab.pki.publicLeaf.spkiSha256);
    assert.equal(chainSeen(leaf, anchors)?.topSpkiSha256, lab.pki.publicLeaf.spkiSha256);
    // a self-signed root at the top is a root, trusted or not
    const root = certificatesFromPem(readFileSync(lab.pki.rogueRoot.certPath, 'utf8'));
    assert.equal(chainSeen(root, [])?.rootSpkiSha256, lab.pki.rogueRoot.spkiSha256);
    assert.equal(chainSeen([]), undefined);
  });

  it('writes names on one line in certificate order', () => {
    assert.equal(formatName('C=KZ\nO=Rogue National CA\nCN=Rogue Security Certificate'), 'C=KZ, O=Rogue National CA, CN=Rogue Security Certificate');
  });
});

describe('clean client environment', () => {
  it('drops variables that add trust or proxies and fixes the locale', () => {
    const env = cleanEnvironment({
      PATH: '/usr/bin', HOME: '/root', SSL_CERT_FILE: '/x', SSL_CERT_DIR: '/x', NODE_EXTRA_CA_CERTS: '/x',
      CURL_CA_BUNDLE: '/x', REQUESTS_CA_BUNDLE: '/x', https_proxy: 'http://p', HTTP_PROXY: 'http://p',
      no_proxy: '*', JAVA_TOOL_OPTIONS: '-Djavax.net.ssl.trustStore=/x', LANG: 'kk_KZ.UTF-8',
    });
    assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/root', LANG: 'C', LC_ALL: 'C' });
  });
});

describe('registry', () => {
  it('lists every command-line and library client, each name once', () => {
    const names = clientShims().map((shim) => shim.name);
    assert.deepEqual(names.filter((name) => COMMAND_LINE_AND_LIBRARY.includes(name)), COMMAND_LINE_AND_LIBRARY);
    assert.equal(new Set(names).size, names.length);
  });

  it('names the valid clients when asked for an unknown one', () => {
    assert.equal(getClientShim('openssl').name, 'openssl');
    assert.throws(() => getClientShim('lynx'), (error: unknown) =>
      error instanceof UserError && /unknown client "lynx".*curl, wget, openssl/.test(error.message));
  });
});

describe('no anchors', () => {
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab();
  });
  after(async () => {
    await lab.close();
  });

  it('every client refuses the lab\'s public origin when told to trust nothing (no default roots leak in)', async () => {
    const shims = clientShims().filter((shim) => COMMAND_LINE_AND_LIBRARY.includes(shim.name));
    const observations = await Promise.all(shims.map(async (shim) => {
      const route = shim.routes?.includes('direct')
        ? { kind: 'direct' as const, host: '127.0.0.1', port: lab.publicOrigin.port }
        : { kind: 'connect' as const, host: '127.0.0.1', port: lab.publicProxy.port };
      const session = await shim.prepare({ anchors: [] }, lab.workDir(shim.name));
      try {
        return { name: shim.name, ...(await session.visit(visitTarget(route, 20_000))) };
      } finally {
        await session.close();
      }
    }));
    for (const observation of observations) {
      assert.equal(observation.outcome, 'refused', `${observation.name}: ${observation.detail}`);
      assert.ok(observation.error, `${observation.name}: an error code`);
    }
  });
});

describe('timeouts', () => {
  let lab: TestLab;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  before(async () => {
    lab = await startTestLab();
    silent = await startSilentServer();
  });
  after(async () => {
    silent.close();
    await lab.close();
  });

  it('every spawned or in-process client refuses a silent server within its timeout and leaves no process', async () => {
    const names = ['curl', 'openssl', 'gnutls', 'node', 'undici', 'python'];
    const { port } = silent;
    const observations = await Promise.all(names.map(async (name) => {
      const session = await getClientShim(name).prepare(trustPublic(lab), lab.workDir(name));
      const observation = await session.visit(visitTarget({ kind: 'direct', host: '127.0.0.1', port }, 1_500));
      await session.close();
      return { name, ...observation };
    }));
    for (const observation of observations) {
      assert.equal(observation.outcome, 'refused', observation.name);
      assert.ok(observation.error, `${observation.name}: an error code`);
      assert.ok(observation.durationMs < 4_500, `${observation.name} took ${observation.durationMs} ms`);
    }
    const children = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    assert.doesNotMatch(children, /curl|openssl|gnutls|python|java/);
  });
});
