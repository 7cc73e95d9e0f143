/**
 * A PostgreSQL 15 cluster of the test's own (pg_createcluster on a free port), for tests that
 * restart or stop the server: restarting the machine's shared cluster would break every other
 * suite using it. Same binaries and the same pg_ctlcluster commands an operator runs.
 */
import {execFile} from 'node:child_process';
import {createServer} from 'node:net';
import {promisify} from 'node:util';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

export interface TestCluster {
  readonly name: string;
  readonly port: number;
  readonly adminUrl: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  drop(): Promise<void>;
}

export async function createTestCluster(): Promise<TestCluster> {
  const port = await freePort();
  const name = `iftbtest${port}`;
  const ctl = (action: string) => run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', name, action]).then(() => undefined);
  await run('pg_createcluster', ['15', name, '-p', String(port), '--', '--auth=trust']);
  await ctl('start');
  return {
    name, port, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart'), stop: () => ctl('stop'), start: () => ctl('start'),
    drop: () => run('pg_dropcluster', ['--stop', '15', name]).then(() => undefined),
  };
}
