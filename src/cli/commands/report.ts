import {Command} from 'commander';
import {rebuildReport} from '../../app/run-review.js';
import {type CliIo, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';

interface ReportOptions extends StoreOptions {
  reportsDir: string;
}

export function reportCommand(io: CliIo): Command {
  return storeOptions(
    new Command('report')
      .description('rebuild reports/<run-id>/index.html (and its CSV/Parquet exports) from the store and run.json')
      .argument('<run-id>', 'a stored run (see `iftb runs list`)')
      .addOption(reportsDirOption()),
  ).action(async (runId: string, o: ReportOptions) => {
    await withStore(o, async (store) => {
      const {htmlPath} = await rebuildReport(store, runId, o.reportsDir);
      io.out(htmlPath);
    }, {readOnly: true}, io);
  });
}
