/** Evidence for one cell in which only the origin's view of the ClientHello matters. */
import type { RecordedRequest } from '../../../lab/detectors/clienthello/recorder.ts';
import type { Evidence } from '../../../lab/detectors/evidence.ts';
import { SITE } from './real-clients.ts';
import { withTruth } from './cells.ts';

export function helloEvidence(client: string, recorded: RecordedRequest, intercepted: boolean): Evidence {
  return withTruth({
    scenario: 'detector-tests',
    state: 'installed',
    client,
    site: SITE,
    observation: { outcome: 'loaded', durationMs: 5 },
    origin: { clientHello: recorded.clientHello, ...(recorded.userAgent ? { userAgent: recorded.userAgent } : {}) },
    publicAnchorsPem: [],
  }, intercepted);
}
