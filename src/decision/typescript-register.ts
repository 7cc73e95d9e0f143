/**
 * `node --import <this file>`: TypeScript and `iftb/sdk` for a whole process, e.g. the node test
 * runner on a strategy's test outside the repo (`iftb strategy test`).
 */
import {register} from 'tsx/esm/api';
import {registerSdkAlias} from './typescript-import.js';

registerSdkAlias();
register();
