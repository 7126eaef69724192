/**
 * A scenario state (names like `rogue`, `lab-public`) → the TrustState a client shim installs.
 * lab-public is always an anchor: it is the lab's web PKI, without it nothing could ever load.
 */
import type { TrustState } from '../../lab/clients/types.ts';
import type { AuthorityRef, State } from '../scenario/schema.ts';
import type { ScenarioPki } from './pki.ts';

export function trustStateFor(state: State, client: string, pki: ScenarioPki): TrustState {
  const files = (refs: readonly AuthorityRef[]) => refs.map((r) => pki.authorities[r].rootFile);
  const spkis = (refs: readonly AuthorityRef[]) => refs.map((r) => pki.authorities[r].rootSpki);
  const anchors = [...new Set(files(['lab-public', ...state.trust]))];

  const pins = state.pins?.flatMap((ref) =>
    // pinning the web PKI means what apps do: the site keys plus the CA they come from
    ref === 'lab-public' ? [...pki.originLeafSpkis, pki.authorities['lab-public'].rootSpki] : [pki.authorities[ref].rootSpki],
  );
  const settings = state.settings?.[client];
  return {
    anchors,
    publicAnchors: files(['lab-public']),
    ...(pins && { pins: [...new Set(pins)] }),
    ...(state.block && { blockSpki: spkis(state.block.spki) }),
    ...(state.blockInterception && { blockInterceptionSpki: spkis(state.blockInterception) }),
    ...(state.knownInterception && { knownInterceptionSpki: spkis(state.knownInterception) }),
    ...(state.distrust && { distrust: files(state.distrust) }),
    ...(settings && { settings }),
  };
}
