import type pg from 'pg';
import { withTransaction } from '@/lib/db/transaction';
import { extractReports } from './extract';
import { parseTlsReport } from './parse';

// Reads RFC 8460 reports that arrived in the INBOX of each report mailbox (where mail to the
// address the domain's `_smtp._tls` record names is delivered: ./address.ts). Messages stay where they are —
// the mailbox owner may read them too; a cursor per folder remembers the last UID read.

/** Messages read per folder per pass: a pass stays short, the next one goes on. */
const BATCH = 100;

export interface ReadPass {
  messages: number;
  reports: number;
  /** Attachments or messages that could not be read, with why (logged by the caller). */
  problems: string[];
}

export async function readTlsReports(pool: pg.Pool, addresses: string[]): Promise<ReadPass> {
  const pass: ReadPass = { messages: 0, reports: 0, problems: [] };
  for (const address of new Set(addresses.map((a) => a.toLowerCase()).filter(Boolean))) {
    await withTransaction(pool, (tx) => readFolder(tx, address, pass));
  }
  return pass;
}

async function readFolder(tx: pg.PoolClient, address: string, pass: ReadPass): Promise<void> {
  const folder = await tx.query<{ id: string; uid_validity: string }>(
    `SELECT f.id, f.uid_validity FROM mail_folders f JOIN mailboxes m ON m.id = f.mailbox_id WHERE m.address = $1 AND f.name = 'INBOX'`,
    [address],
  );
  const f = folder.rows[0];
  if (!f) return; // no mail yet (folders are created at the first delivery)
  await tx.query(
    `INSERT INTO tls_report_cursors (folder_id, uid_validity, last_uid) VALUES ($1, $2, 0) ON CONFLICT (folder_id) DO NOTHING`,
    [f.id, f.uid_validity],
  );
  // Another daemon reading this folder now: leave it to that one.
  const cursor = await tx.query<{ uid_validity: string; last_uid: string }>(
    `SELECT uid_validity, last_uid FROM tls_report_cursors WHERE folder_id = $1 FOR UPDATE SKIP LOCKED`,
    [f.id],
  );
  const c = cursor.rows[0];
  if (!c) return;
  const after = c.uid_validity === f.uid_validity ? c.last_uid : '0';
  const messages = await tx.query<{ uid: string; raw: Buffer }>(
    `SELECT m.uid, b.raw FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id
      WHERE m.folder_id = $1 AND m.uid > $2 ORDER BY m.uid LIMIT ${BATCH}`,
    [f.id, after],
  );
  let last = after;
  for (const m of messages.rows) {
    last = m.uid;
    pass.messages++;
    let extracted;
    try {
      extracted = await extractReports(m.raw);
    } catch (err) {
      pass.problems.push(`${address} uid ${m.uid}: ${(err as Error).message}`);
      continue;
    }
    pass.problems.push(...extracted.errors.map((e) => `${address} uid ${m.uid}: ${e}`));
    for (const attachment of extracted.attachments) {
      const parsed = parseTlsReport(attachment.json);
      if (!parsed.ok) {
        pass.problems.push(`${address} uid ${m.uid}: ${parsed.error}`);
        continue;
      }
      for (const r of parsed.reports) {
        const inserted = await tx.query(
          `INSERT INTO tls_reports (report_id, organization, contact_info, start_at, end_at, policy_domain, success_count, failure_count, report)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (organization, report_id, policy_domain) DO NOTHING`,
          [r.reportId, r.organization, r.contactInfo, r.startAt, r.endAt, r.policyDomain, r.successCount, r.failureCount,
            JSON.stringify({ policyType: r.policyType, failures: r.failures })],
        );
        pass.reports += inserted.rowCount ?? 0;
      }
    }
  }
  await tx.query(`UPDATE tls_report_cursors SET uid_validity = $2, last_uid = $3, updated_at = now() WHERE folder_id = $1`, [f.id, f.uid_validity, last]);
}
