// Test fixtures for the store's own tests (and other rooms' tests that need a mailbox with mail):
// plain SQL rows, no service layer, so store tests depend on nothing else.
import type pg from 'pg';

export async function createTestMailbox(
  pool: pg.Pool,
  address: string,
  options: { quotaBytes?: number } = {},
): Promise<{ mailboxId: string; domainId: string }> {
  const [local, domain] = address.split('@');
  const d = await pool.query<{ id: string }>(
    `INSERT INTO domains (id, name) VALUES (gen_random_uuid(), $1)
     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [domain],
  );
  const m = await pool.query<{ id: string }>(
    `INSERT INTO mailboxes (id, domain_id, local_part, address, password_hash, quota_bytes)
     VALUES (gen_random_uuid(), $1, $2, $3, 'x', $4) RETURNING id`,
    [d.rows[0].id, local, address, options.quotaBytes ?? 1024 * 1024 * 1024],
  );
  return { mailboxId: m.rows[0].id, domainId: d.rows[0].id };
}

export function testMessage(subject: string, body = 'Hello.\r\n', extraHeaders = ''): Buffer {
  return Buffer.from(
    `From: Sender <sender@example.org>\r\nTo: rcpt@example.com\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n${extraHeaders}\r\n${body}`,
  );
}
