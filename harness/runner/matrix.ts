/**
 * Expands a scenario into its grid (state × client × site) and turns an observation into a
 * checked row. Pure: no processes, no sockets, so precedence and allow-lists are unit-testable.
 */
import type { Observation } from '../../lab/clients/types.ts';
import type { CellId } from './cell-filter.ts';
import { meetsExpectation, resolveExpectation } from '../scenario/expectations.ts';
import type { Scenario, State } from '../scenario/schema.ts';
import { toResultActual, type ResultRow } from './results.ts';

export interface Selection {
  clients?: readonly string[];
  states?: readonly string[];
  /** keeps a cell or not (--grep, --shard: harness/runner/cell-filter.ts); a unit left with no site is dropped */
  cells?: (cell: CellId) => boolean;
}

/** One (state, client) pair: its trust set-up is prepared once and reused for every site. */
export interface Unit {
  state: State;
  client: string;
  sites: string[];
  /** the interceptor in the middle, when the run names boxes */
  box?: string;
}

export function expandUnits(scenario: Scenario, selection: Selection = {}, box?: string): Unit[] {
  const states = scenario.states.filter((s) => !selection.states || selection.states.includes(s.name));
  const clients = scenario.clients.filter((c) => !selection.clients || selection.clients.includes(c));
  const all = scenario.sites.map((s) => s.name);
  const keep = selection.cells;
  return states.flatMap((state) =>
    clients.flatMap((client) => {
      const sites = keep ? all.filter((site) => keep({ scenario: scenario.id, box, state: state.name, client, site })) : all;
      return sites.length === 0 ? [] : [{ state, client, sites, ...(box !== undefined && { box }) }];
    }),
  );
}

/** The box's own expectations (state.boxes) win over the state's general ones, key for key. */
export function expectedFor(scenario: Scenario, state: State, client: string, site: string, box?: string): string {
  const clients = new Set(scenario.clients);
  const forBox = box === undefined ? undefined : state.boxes?.[box];
  // the most specific key of either map wins, the box's on a tie: a box's `openssl: …` does not
  // override the state's `control.example.kz: loaded`, its `openssl@control.example.kz: …` does
  const general = resolveExpectation(state.expect, clients, client, site);
  const boxed = forBox && resolveExpectation(forBox, clients, client, site);
  const found = boxed && (!general || boxed.rank >= general.rank) ? boxed : general;
  // the loader refuses a scenario with a gap, so this is a harness bug if it happens
  if (!found) throw new Error(`no expectation for ${state.name}/${client}@${site}`);
  return found.value;
}

function allowanceFor(scenario: Scenario, state: string, client: string, site: string): string | undefined {
  return scenario.allow.find(
    (a) => a.client === client && (a.site === undefined || a.site === site) && (a.state === undefined || a.state === state),
  )?.reason;
}

/** What the lab knows of itself that an expectation may name (lab/runtime/types.ts). */
export interface LabFacts {
  gatewayHop?: number;
}

/** `intercepted:hop-gateway` → the hop of this lab's gateway; unchanged where the lab states none */
export function withLabFacts(expected: string, facts: LabFacts = {}): string {
  return facts.gatewayHop === undefined ? expected : expected.replace(/^intercepted:hop-gateway$/, `intercepted:hop-${facts.gatewayHop}`);
}

export function checkedRow(scenario: Scenario, state: State, client: string, site: string, observation: Observation, box?: string, facts?: LabFacts): ResultRow {
  const expected = withLabFacts(expectedFor(scenario, state, client, site, box), facts);
  const met = meetsExpectation(expected, observation);
  const allowed = met ? undefined : allowanceFor(scenario, state.name, client, site);
  return {
    ...(box !== undefined && { box }),
    state: state.name,
    client,
    site,
    expected,
    actual: toResultActual(observation),
    pass: met || allowed !== undefined,
    ...(allowed !== undefined && { allowed }),
  };
}

export function skippedRow(scenario: Scenario, state: State, client: string, site: string, reason: string, box?: string): ResultRow {
  return {
    ...(box !== undefined && { box }),
    state: state.name,
    client,
    site,
    expected: expectedFor(scenario, state, client, site, box),
    actual: { outcome: 'skipped', error: null, chain: null },
    pass: false,
    skipped: reason,
  };
}

/** A shim that throws is a broken cell, not a skipped one: it fails the grid so someone looks. */
export function brokenRow(scenario: Scenario, state: State, client: string, site: string, err: unknown, box?: string): ResultRow {
  const message = err instanceof Error ? err.message : String(err);
  return {
    ...(box !== undefined && { box }),
    state: state.name,
    client,
    site,
    expected: expectedFor(scenario, state, client, site, box),
    actual: { outcome: 'skipped', error: null, chain: null, detail: `shim failed: ${message}` },
    pass: false,
  };
}
