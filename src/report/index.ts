export * from './types.js';
export {minMaxIndices, downsample} from './downsample.js';
export {renderRunReport, runReportModel, type RunReportModel} from './run-report.js';
export {renderComparePage, type CompareRun, type CompareSection} from './compare.js';
export {loadVegaCompiler, loadVegaRuntime, type VegaRuntime} from './runtime.js';
export {escapeHtml} from './format.js';
export {renderSweepReport, sweepSpecs, type SweepReportInput, type SweepReportTrial, type SweepStat, type SweepFoldRow, type EquityLine} from './sweep-page.js';
export {renderSvg} from './svg.js';
export {type Halt, haltLine, haltsOf} from './halts.js';
