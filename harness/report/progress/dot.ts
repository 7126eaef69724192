/** The dot reporter: one character per finished cell (· passed, ± flaky, F failed, ° skipped), 80 to a line. */
import type { Reporter, ReporterContext } from '../reporter.ts';
import { isFlaky, statusOf } from '../cells.ts';

const DOTS = { pass: '·', fail: 'F', skip: '°' } as const;
const PER_LINE = 80;

export function dotReporter({ stderr }: ReporterContext): Reporter {
  let column = 0;
  const endLine = () => {
    if (column > 0) stderr.write('\n');
    column = 0;
  };
  return {
    onCellEnd(_unit, row) {
      stderr.write(isFlaky(row) ? '±' : DOTS[statusOf(row)]);
      if (++column === PER_LINE) endLine();
    },
    onScenarioEnd: endLine,
  };
}
