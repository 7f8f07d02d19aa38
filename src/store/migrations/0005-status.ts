import type { Kysely, Migration } from 'kysely';

// The status page's aggregates are small documents read whole (an incident with its timeline), so one table
// of JSON documents keyed by (kind, id) serves them all, on SQLite and PostgreSQL alike.
export const status: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('status_documents')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('status_documents_pk', ['kind', 'id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('status_documents').execute();
  },
};
