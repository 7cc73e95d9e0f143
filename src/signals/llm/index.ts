export {answerScore, LLM_ANSWER_JSON_SCHEMA, LLM_HORIZONS, LlmAnswerSchema, parseAnswer, validateAnswer, type ParsedAnswer} from './answer.js';
export {
  costUsd,
  cutoffMs,
  DEFAULT_LLM_MODELS,
  LLM_MODES,
  LlmConfigSchema,
  LlmModelSchema,
  modelInfo,
  type LlmConfig,
  type LlmConfigInput,
  type LlmMode,
  type LlmModelInfo,
} from './config.js';
export {
  DEFAULT_SNAPSHOT,
  marketSnapshot,
  windowView,
  type MarketSnapshot,
  type PromptReadings,
  type PromptReadingsFactory,
  type SnapshotOptions,
} from './context.js';
export {buildLlmRequest, canonicalRequestJson, PROMPT_IDS, promptTemplate, requestHash, type PromptTemplate} from './prompts.js';
export {askWithinDeadline, isSourceEvent, liveHistory, type LiveAsk, type LiveAskResult, type LiveLlmOptions, type LlmLiveEvent, type LlmLiveListener, sessionBudget, settledOutcome} from './live.js';
export {AnswerDeadline, askAll, LlmBudget, LlmRequester, prepareRequest, type AskAllOptions, type AskAllResult, type AskOutcome, type PreparedRequest} from './requester.js';
export {isLlmAnalyzer, LlmAnalyzer, type LlmAnalyzerOptions} from './llm-analyzer.js';
export {percentile, summarizeLlmParts, type LlmRunPart, type LlmRunStats} from './stats.js';
