import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// Proves prisma/schema.prisma (what the client believes) and the SQL migrations
// (what the database is) describe the same tables, columns, types, enums,
// indexes and foreign keys.

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel { name: string; dbName: string | null; fields: DmmfField[] }
interface DmmfIndex { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; dbName?: string; fields: { name: string }[] }
interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: { name: string; dbName?: string | null; values: { name: string }[] }[]; indexes: DmmfIndex[] };
}

const dmmf: Dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: fs.readFileSync('prisma/schema.prisma', 'utf8') })));
const models = dmmf.datamodel.models;
const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;
const enumDbName = (name: string) => dmmf.datamodel.enums.find((e) => e.name === name)?.dbName ?? name;

const NATIVE: Record<string, string> = {
  Uuid: 'uuid', Text: 'text', VarChar: 'varchar', Char: 'bpchar', Timestamptz: 'timestamptz', Timestamp: 'timestamp',
  Date: 'date', Integer: 'int4', SmallInt: 'int2', BigInt: 'int8', DoublePrecision: 'float8', Real: 'float4',
  Decimal: 'numeric', JsonB: 'jsonb', Json: 'json', ByteA: 'bytea', Inet: 'inet', Boolean: 'bool',
};
const SCALAR: Record<string, string> = {
  String: 'text', Int: 'int4', BigInt: 'int8', Boolean: 'bool', Float: 'float8', Decimal: 'numeric',
  DateTime: 'timestamp', Json: 'jsonb', Bytes: 'bytea',
};

function expectedUdt(f: DmmfField): string {
  const base = f.kind === 'enum' ? enumDbName(f.type) : f.nativeType ? NATIVE[f.nativeType[0]] : SCALAR[f.type];
  if (!base) throw new Error(`no mapping for ${f.type} ${JSON.stringify(f.nativeType)}`);
  return f.isList ? `_${base}` : base;
}

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

describe('schema.prisma agrees with the migrations', () => {
  it('has the same tables', async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(models.map(tableOf).sort());
  });

  it('has the same enums and values', async () => {
    const { rows } = await client.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.name] ??= []).push(r.value);
    const expected = Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.name)]));
    expect(actual).toEqual(expected);
  });

  // Partial indexes cannot be written in schema.prisma; the migrations own them.
  it('has the partial indexes only the migrations can express', async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indpred IS NOT NULL ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(['dkim_keys_one_active_per_domain', 'mail_blobs_search_body_missing', 'mail_blobs_sort_keys_missing']);
  });

  for (const model of models) {
    it(`${tableOf(model)}: same columns, types and nullability`, async () => {
      const { rows } = await client.query<{ column_name: string; udt_name: string; is_nullable: string }>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [tableOf(model)],
      );
      const actual = Object.fromEntries(rows.map((r) => [r.column_name, { type: r.udt_name, nullable: r.is_nullable === 'YES' }]));
      const expected = Object.fromEntries(
        model.fields
          .filter((f) => f.kind !== 'object')
          // Prisma creates list columns without NOT NULL; only their type is compared.
          .map((f) => [columnOf(f), { type: expectedUdt(f), nullable: f.isList ? actual[columnOf(f)]?.nullable : !f.isRequired }]),
      );
      expect(actual).toEqual(expected);
    });
  }

  it('has the same primary keys, unique and plain indexes', async () => {
    const { rows } = await client.query<{ table: string; unique: boolean; primary: boolean; columns: string[] }>(
      `SELECT c.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relname <> '_prisma_migrations' AND i.indpred IS NULL
        GROUP BY c.relname, i.indexrelid, i.indisunique, i.indisprimary`,
    );
    const key = (table: string, kind: string, cols: string[]) => `${table} ${kind} (${cols.join(', ')})`;
    const actual = rows.map((r) => key(r.table, r.primary ? 'id' : r.unique ? 'unique' : 'normal', r.columns)).sort();
    const expected = dmmf.datamodel.indexes
      .map((ix) => {
        const model = models.find((m) => m.name === ix.model)!;
        const cols = ix.fields.map((f) => columnOf(model.fields.find((mf) => mf.name === f.name)!));
        return key(tableOf(model), ix.type, cols);
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the same foreign keys', async () => {
    const { rows } = await client.query<{ def: string }>(
      `SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f'`,
    );
    const actual = rows.map((r) => r.def.replace(/"/g, '').replace(' ON UPDATE CASCADE', '')).sort();
    const action: Record<string, string> = { Cascade: ' ON DELETE CASCADE', Restrict: ' ON DELETE RESTRICT', SetNull: ' ON DELETE SET NULL', NoAction: '' };
    const expected = models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind === 'object' && f.relationFromFields?.length)
          .map((f) => {
            const target = models.find((t) => t.name === f.type)!;
            const from = f.relationFromFields!.map((n) => columnOf(m.fields.find((x) => x.name === n)!));
            const to = f.relationToFields!.map((n) => columnOf(target.fields.find((x) => x.name === n)!));
            const onDelete = action[f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull')];
            return `${tableOf(m)} FOREIGN KEY (${from.join(', ')}) REFERENCES ${tableOf(target)}(${to.join(', ')})${onDelete}`;
          }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });
});
