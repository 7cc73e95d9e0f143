import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {Command, Option} from 'commander';
import {diffLiveSession, type LiveDiffReport} from '../../app/live-diff.js';
import {defaultModelsDir} from '../../app/models.js';
import {openStateStores, resolveStoreTarget} from '../../app/state-stores.js';
import {loadVegaRuntime, renderLiveDiffPage} from '../../report/index.js';
import {type CliIo, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatTime, renderTable} from '../format.js';

interface DiffOptions extends StoreOptions {
  store?: string;
  modelsDir: string;
  reportsDir: string;
  out?: string;
  json?: boolean;
}

const money = (x: number) => x.toFixed(2);

/** `iftb live diff SESSION`: the session's trades next to a backtest replay of its candles. */
export function liveDiffCommand(io: CliIo): Command {
  return storeOptions(new Command('diff')
    .description("replay a paper/live session's stored candles through the backtest and explain, trade by trade, how the session differs")
    .argument('<session>', 'session id (iftb runs list shows sessions as runs of mode paper/live)'))
    .option('--store <url>', 'PostgreSQL URL holding the session state (default IFTB_DATABASE_URL); candles are read from --db')
    .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
    .addOption(reportsDirOption())
    .option('--out <file>', 'HTML page (default <reports-dir>/<session>/diff.html)')
    .option('--json', 'print the diff as JSON')
    .action(async (sessionId: string, o: DiffOptions) => {
      const report = await withStore(o, async (candles) => {
        const target = resolveStoreTarget({store: o.store, db: o.db});
        if (target.kind === 'duckdb') return diffLiveSession(candles, candles, sessionId, {modelsDir: o.modelsDir});
        const state = await openStateStores({store: o.store});
        try {
          return await diffLiveSession(candles, state, sessionId, {modelsDir: o.modelsDir});
        } finally {
          await state.close();
        }
      }, {readOnly: true}, io);
      const out = resolve(o.out ?? join(o.reportsDir, sessionId, 'diff.html'));
      mkdirSync(dirname(out), {recursive: true});
      writeFileSync(out, renderLiveDiffPage({sessionId, facts: facts(report), diff: report.diff}, loadVegaRuntime()));
      if (o.json) return io.out(JSON.stringify({...report, page: out}, null, 2));
      io.out(summary(report, out));
    });
}

function facts(r: LiveDiffReport): [string, string][] {
  return [
    ['mode', r.mode], ['strategy', r.strategy], ['market', `${r.symbols.join(', ')} ${r.timeframe}`],
    ['bars', `${formatTime(r.fromMs)} → ${formatTime(r.toMs)}, ${r.bars.decided} decided, ${r.bars.missed.length} missed`],
    ['rejected orders', String(r.rejectedOrders)],
    ...(r.models.length === 0 ? [] : [['models', r.models.map((m) => `${m.model} (${m.sha256.slice(0, 12)}) from ${formatTime(m.fromMs)}`).join(', ')] as [string, string]]),
  ];
}

function summary(r: LiveDiffReport, page: string): string {
  const d = r.diff;
  const rows = d.pairs.map((p) => [
    p.symbol, (p.live ?? p.replay)!.side,
    p.live ? formatTime(p.live.entryTimeMs) : '-', p.replay ? formatTime(p.replay.entryTimeMs) : '-',
    p.live ? String(p.live.entryPrice) : '-', p.replay ? String(p.replay.entryPrice) : '-',
    p.live ? String(p.live.exitPrice) : '-', p.replay ? String(p.replay.exitPrice) : '-',
    p.live ? money(p.live.fees) : '-', p.replay ? money(p.replay.fees) : '-',
    p.live ? money(p.live.funding) : '-', p.replay ? money(p.replay.funding) : '-',
    money(p.netDifference), p.cause,
  ]);
  const causes = Object.entries(d.attribution).filter(([c]) => d.pairs.some((p) => p.cause === c)).map(([c, v]) => `${c} ${money(v)}`).join(', ');
  return [
    `session ${r.sessionId} (${r.mode}, ${r.strategy}, ${r.symbols.join(',')} ${r.timeframe}): ${r.bars.decided} bars decided, ${r.bars.missed.length} missed, ${r.rejectedOrders} rejected orders`,
    renderTable(['symbol', 'side', 'entry live', 'entry replay', 'price', 'replay', 'exit price', 'replay', 'fees', 'replay', 'funding', 'replay', 'net diff', 'cause'], rows),
    `net PnL: session ${money(d.live.netPnl)} (${d.live.trades} trades), replay ${money(d.replay.netPnl)} (${d.replay.trades} trades), difference ${money(d.live.netPnl - d.replay.netPnl)}`,
    `by cause: ${causes || 'none'}`,
    `page: ${page}`,
  ].join('\n');
}
