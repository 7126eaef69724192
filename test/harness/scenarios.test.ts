/**
 * Every scenario in scenarios/ runs here, on the loopback runtime with the real clients: a cell
 * either passes or is skipped with its reason (a client not installed), and every cell that ran is
 * attributed to the box's record of its own connections. One test per file, found by listing the
 * directory, so a new scenario is covered the moment it is added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { labCatalogue, labClients } from '../../harness/runner/lab-catalogue.ts';
import { runAll } from '../../harness/runner/run-all.ts';
import { renderTable } from '../../harness/report/table.ts';
import { rowName, rowReason } from '../../harness/report/cells.ts';
import { builtInScenarioFiles } from '../../harness/scenario/discover.ts';
import { loopbackRuntime } from '../../lab/runtime/loopback.ts';
import { builtinDetectors } from '../../lab/detectors/registry.ts';

for (const file of builtInScenarioFiles()) {
  test(`scenario ${basename(file)} passes on loopback (every row passes or is skipped with a reason)`, async (t) => {
    const [run] = await runAll({ files: [file], runtime: loopbackRuntime, catalogue: labCatalogue(), clients: labClients(), detectors: builtinDetectors() });
    assert.ok(run, 'the run produced a result');
    const { rows } = run.result;
    assert.ok(rows.length > 0, 'the grid is not empty');
    t.diagnostic(`${rows.length} rows in ${(run.wallMs / 1000).toFixed(1)} s`);
    const bad = rows.filter((r) => (r.skipped === undefined ? !r.pass : r.skipped.trim() === ''));
    assert.deepEqual(
      bad.map((r) => `${rowName(r)}: ${rowReason(r)}`),
      [],
      `\n${renderTable(run, { color: false })}`,
    );
    // on loopback every client goes through the box: a row that ran and is not attributed to any
    // of the box's connections means attribution broke (Firefox once dialled the wrong door)
    const unattributed = rows.filter((r) => r.skipped === undefined && r.truth?.status === 'unreachable');
    assert.deepEqual(unattributed.map((r) => `${rowName(r)}: ${r.truth!.reason}`), []);
    // no built-in detector flags a cell nothing intercepted (python's leaf-only report once made chain-anchor do so)
    const falsePositives = (run.result.detectors ?? []).flatMap((d) => d.cells.filter((c) => c.flagged && c.truth === false).map((c) => `${d.name}: ${c.state}/${c.client}@${c.site}: ${c.reason}`));
    assert.deepEqual(falsePositives, []);
  });
}
