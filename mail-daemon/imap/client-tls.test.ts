// Client-side TLS of IMAP logins through the real IMAP server: implicit TLS and
// STARTTLS logins are recorded per mailbox with the negotiated version and cipher.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTls, defaultRange, recordClientTls } from '@/lib/tls-stats';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';

let h: ImapHarness;
const recorded: Promise<void>[] = [];
const PASSWORD = 'Correct-Horse-Battery-9';

beforeAll(async () => {
  h = await startImapHarness({
    cleartext: true,
    onLogin: ({ mailboxId, ip, tls }) =>
      void recorded.push(recordClientTls(h.pool, { mailboxId, service: 'imap', tlsVersion: tls?.version ?? null, cipher: tls?.cipher ?? null, clientIp: ip })),
  });
  await h.addUser('erin@example.test', PASSWORD);
});

afterAll(async () => {
  await h?.close();
});

describe('IMAP logins record their TLS', () => {
  it('implicit TLS and STARTTLS logins appear with version and cipher', async () => {
    for (const [port, secure] of [
      [h.port, true],
      [h.plainPort!, false],
    ] as const) {
      const c = new ImapFlow({ host: '127.0.0.1', port, secure, doSTARTTLS: secure ? undefined : true, tls: { rejectUnauthorized: false }, auth: { user: 'erin@example.test', pass: PASSWORD }, logger: false });
      await c.connect();
      await c.logout();
    }
    await Promise.all(recorded);
    const rows = await clientTls(h.pool, { since: defaultRange(1).from, scopeDomainIds: null });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ address: 'erin@example.test', service: 'imap', clientIp: '127.0.0.1', logins: 2 });
    expect(rows[0].tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(rows[0].cipher).toMatch(/^TLS_|^ECDHE/);
  });
});
