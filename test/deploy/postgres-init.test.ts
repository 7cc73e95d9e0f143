/**
 * deploy/postgres/init-iftb.sh + init.sql as the postgres container runs them on first start, on a
 * PostgreSQL cluster of this test's own (the shared server's iftb role must not be touched): the
 * role gets the password from IFTB_DB_PASSWORD, database iftb is created, a second run is harmless,
 * and the bot's migrations then apply as iftb.
 */
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PgDatabase} from '../../src/adapters/postgres/index.js';
import {iftb} from '../support/cli.js';
import {createTestCluster, type TestCluster} from '../support/pg-cluster.js';

const run = promisify(execFile);
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await createTestCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.drop();
}, 120_000);

/** The entrypoint runs the script with the server on its socket; here PGHOST/PGPORT point psql at the test cluster. */
const init = (password: string) => run('sh', ['-c', 'sed "s|/iftb/init.sql|deploy/postgres/init.sql|" deploy/postgres/init-iftb.sh | sh'], {
  env: {...process.env, PGHOST: '127.0.0.1', PGPORT: String(cluster.port), POSTGRES_USER: 'postgres', IFTB_DB_PASSWORD: password},
});

describe('postgres container init', {timeout: 180_000}, () => {
  it('creates role iftb with the password and database iftb; running again only resets the password', async () => {
    await init("pa'ss");
    await init("pa'ss");
    const admin = new PgDatabase(cluster.adminUrl, {max: 1});
    try {
      const [role] = await admin.rows("SELECT rolpassword IS NOT NULL AS has_password, rolsuper FROM pg_authid WHERE rolname = 'iftb'");
      expect(role).toEqual({has_password: true, rolsuper: false});
      const [db] = await admin.rows("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'iftb'");
      expect(db.owner).toBe('iftb');
      // A SCRAM verifier (PostgreSQL 15's default password_encryption), as the image's scram pg_hba needs.
      const [scram] = await admin.rows("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = 'iftb'");
      expect(scram.scram).toBe(true);
    } finally {
      await admin.close();
    }
    const url = `postgres://iftb:${encodeURIComponent("pa'ss")}@127.0.0.1:${cluster.port}/iftb`;
    const migrated = await iftb(['db', 'migrate', '--store', url]);
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toContain('applied 001');
  });

  it('refuses to run without IFTB_DB_PASSWORD', async () => {
    await expect(run('sh', ['deploy/postgres/init-iftb.sh'], {env: {...process.env, IFTB_DB_PASSWORD: ''}})).rejects.toThrow(/IFTB_DB_PASSWORD is not set/);
  });
});
