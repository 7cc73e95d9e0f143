export {createOpenAiClient, type OpenAiClientOptions} from './client.js';
export {OPENAI_BASE_URL, parseDotEnv, readLlmEnvironment, type LlmEndpoint, type LlmEnvironment} from './env.js';
