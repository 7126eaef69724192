/**
 * A transparent scenario's TTL sweeps, turned into results.json's `localisation` and into each
 * site's `probes.ttl` for the detectors. Sweeps run after the clients so their ClientHellos never
 * mix into the engine events a cell's evidence is read from.
 */
import type { Lab, PathLocalisation } from '../../lab/runtime/types.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ScenarioPki } from './pki.ts';
import type { ResultLocalisation } from './results.ts';

/** per site: what the ttl-hop detector reads, or why there is nothing */
export type TtlEvidence = { interceptorHop: number | null; originHop: number } | { skipped: string };

export interface ScenarioLocalisation {
  result: ResultLocalisation;
  ttlBySite: Map<string, TtlEvidence>;
}

export async function localiseScenario(scenario: Scenario, lab: Lab, pki: ScenarioPki): Promise<ScenarioLocalisation | undefined> {
  const wanted = scenario.path?.localise;
  if (!wanted || !lab.localise) return undefined;
  const publicCa = pki.authorities['lab-public'].material;
  const found = await lab.localise({
    sites: scenario.sites.map((s) => s.name),
    control: wanted.control,
    genuineIssuersPem: [publicCa.root.certPem, ...publicCa.intermediates.map((i) => i.certPem)],
  });
  return { result: resultOf(wanted.site, found), ttlBySite: ttlEvidence(found) };
}

function resultOf(site: string, found: PathLocalisation): ResultLocalisation {
  const probe = found.probes.find((p) => p.site === site);
  return {
    site,
    interceptorHop: probe?.interceptorHop ?? null,
    interceptorHost: probe?.interceptorHost ?? null,
    control: found.control.site,
    originHop: found.control.originHop,
    originHost: found.control.originHost,
    ms: found.ms,
  };
}

function ttlEvidence(found: PathLocalisation): Map<string, TtlEvidence> {
  const { originHop } = found.control;
  return new Map(
    found.probes.map((p): [string, TtlEvidence] => [
      p.site,
      originHop === null
        ? { skipped: `the control site ${found.control.site} drew no genuine certificate at any TTL` }
        : { interceptorHop: p.firstCertificateHop, originHop },
    ]),
  );
}
