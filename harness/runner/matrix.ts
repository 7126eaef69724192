/**
 * Expands a scenario into its grid (state × client × site) and turns an observation into a
 * checked row. Pure: no processes, no sockets, so precedence and allow-lists are unit-testable.
 */
import type { Observation } from '../../lab/clients/types.ts';
import { meetsExpectation, resolveExpectation } from '../scenario/expectations.ts';
import type { Scenario, State } from '../scenario/schema.ts';
import { toResultActual, type ResultRow } from './results.ts';

export interface Selection {
  clients?: readonly string[];
  states?: readonly string[];
}

/** One (state, client) pair: its trust set-up is prepared once and reused for every site. */
export interface Unit {
  state: State;
  client: string;
  sites: string[];
}

export function expandUnits(scenario: Scenario, selection: Selection = {}): Unit[] {
  const states = scenario.states.filter((s) => !selection.states || selection.states.includes(s.name));
  const clients = scenario.clients.filter((c) => !selection.clients || selection.clients.includes(c));
  const sites = scenario.sites.map((s) => s.name);
  return states.flatMap((state) => clients.map((client) => ({ state, client, sites })));
}

export function expectedFor(scenario: Scenario, state: State, client: string, site: string): string {
  const found = resolveExpectation(state.expect, new Set(scenario.clients), client, site);
  // the loader refuses a scenario with a gap, so this is a harness bug if it happens
  if (!found) throw new Error(`no expectation for ${state.name}/${client}@${site}`);
  return found.value;
}

function allowanceFor(scenario: Scenario, state: string, client: string, site: string): string | undefined {
  return scenario.allow.find(
    (a) => a.client === client && (a.site === undefined || a.site === site) && (a.state === undefined || a.state === state),
  )?.reason;
}

export function checkedRow(scenario: Scenario, state: State, client: string, site: string, observation: Observation): ResultRow {
  const expected = expectedFor(scenario, state, client, site);
  const met = meetsExpectation(expected, observation);
  const allowed = met ? undefined : allowanceFor(scenario, state.name, client, site);
  return {
    state: state.name,
    client,
    site,
    expected,
    actual: toResultActual(observation),
    pass: met || allowed !== undefined,
    ...(allowed !== undefined && { allowed }),
  };
}

export function skippedRow(scenario: Scenario, state: State, client: string, site: string, reason: string): ResultRow {
  return {
    state: state.name,
    client,
    site,
    expected: expectedFor(scenario, state, client, site),
    actual: { outcome: 'skipped', error: null, chain: null },
    pass: false,
    skipped: reason,
  };
}

/** A shim that throws is a broken cell, not a skipped one: it fails the grid so someone looks. */
export function brokenRow(scenario: Scenario, state: State, client: string, site: string, err: unknown): ResultRow {
  const message = err instanceof Error ? err.message : String(err);
  return {
    state: state.name,
    client,
    site,
    expected: expectedFor(scenario, state, client, site),
    actual: { outcome: 'skipped', error: null, chain: null, detail: `shim failed: ${message}` },
    pass: false,
  };
}
