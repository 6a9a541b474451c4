// What the database itself says about its tables: names, columns, foreign keys, sequences.
import type pg from 'pg';

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Ordinary tables of the current schema. */
export async function listTables(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  return r.rows.map((x) => x.name);
}

/** A table's columns in order, without generated ones (COPY FROM cannot write them). */
export async function tableColumns(client: pg.ClientBase, table: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a
      WHERE a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [table],
  );
  return r.rows.map((x) => x.name);
}

/**
 * The tables in an order foreign keys allow: each after every table it references. References
 * of a table to itself need no order (a statement's foreign key checks run at its end).
 */
export async function dependencyOrder(client: pg.ClientBase, tables: string[]): Promise<string[]> {
  const r = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema() AND k.conrelid <> k.confrelid`,
  );
  const wanted = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of r.rows) if (wanted.has(child) && wanted.has(parent)) parents.get(child)!.add(parent);
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)));
    if (!ready.length) throw new Error(`foreign keys form a cycle among ${tables.filter((t) => !placed.has(t)).join(', ')}`);
    for (const t of ready) {
      order.push(t);
      placed.add(t);
    }
  }
  return order;
}

/** Every sequence of the current schema with its last value (its start value when never used). */
export async function listSequences(client: pg.ClientBase): Promise<{ name: string; lastValue: string }[]> {
  const r = await client.query<{ name: string; last_value: string }>(
    `SELECT sequencename AS name, COALESCE(last_value, start_value)::text AS last_value
       FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1`,
  );
  return r.rows.map((x) => ({ name: x.name, lastValue: x.last_value }));
}
