/**
 * PostgreSQL for tests: every test file gets its own uniquely named database (owned by role
 * iftb, as deploy/postgres/init.sql sets up production), dropped afterwards. The server is the
 * machine's PostgreSQL 15 on 127.0.0.1 (trust auth); IFTB_TEST_PG_ADMIN_URL overrides the admin URL.
 */
import {randomBytes} from 'node:crypto';
import {afterAll} from 'vitest';
import {PgDatabase} from '../../src/adapters/postgres/index.js';

export const PG_HOST = '127.0.0.1';
export const ADMIN_URL = process.env.IFTB_TEST_PG_ADMIN_URL ?? `postgres://postgres@${PG_HOST}:5432/postgres`;

export function pgUrl(database: string, port = 5432, user = 'iftb'): string {
  return `postgres://${user}@${PG_HOST}:${port}/${database}`;
}

/** Runs SQL as the superuser on the admin database (or another URL). */
export async function adminSql(sql: string, url = ADMIN_URL): Promise<void> {
  const db = new PgDatabase(url, {max: 1});
  try {
    await db.run(sql);
  } finally {
    await db.close();
  }
}

export async function ensureIftbRole(url = ADMIN_URL): Promise<void> {
  try {
    await adminSql(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iftb') THEN CREATE ROLE iftb LOGIN; END IF; END $$`, url);
  } catch (error) {
    if (!/already exists|duplicate key/.test(String(error))) throw error; // another test file created it meanwhile
  }
}

export function uniqueDbName(tag: string): string {
  return `iftb_t_${tag}_${randomBytes(4).toString('hex')}`;
}

export async function createDatabase(name: string, adminUrl = ADMIN_URL): Promise<void> {
  await ensureIftbRole(adminUrl);
  await adminSql(`CREATE DATABASE ${name} OWNER iftb`, adminUrl);
}

export async function dropDatabase(name: string, adminUrl = ADMIN_URL): Promise<void> {
  await adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, adminUrl);
}

/** Registers afterAll cleanup; `fresh(tag)` creates a new database and returns its URL as role iftb. */
export function usePgDatabases(adminUrl = ADMIN_URL, port = 5432): {fresh(tag: string): Promise<{name: string; url: string}>} {
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made.splice(0)) await dropDatabase(name, adminUrl).catch(() => undefined);
  });
  return {
    async fresh(tag) {
      const name = uniqueDbName(tag);
      await createDatabase(name, adminUrl);
      made.push(name);
      return {name, url: pgUrl(name, port)};
    },
  };
}
