export {connectRedis, type RedisOptions} from './connection.js';
export {RedisBotLock, type RedisBotLockOptions} from './bot-lock.js';
export {RedisSnapshotPublisher, type RedisSnapshotPublisherOptions} from './snapshot-publisher.js';
export {RedisSessionCommandBus} from './command-bus.js';
