// Directory fixtures for SMTP tests, created through the real services (lib/domains,
// lib/mailboxes, lib/aliases) so SMTP sees exactly what the panel and CLI would create.
import { SYSTEM } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { createAlias } from '@/lib/aliases';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';

export const PASSWORD = 'Correct-Horse-Battery-9';

export async function seedDirectory(db: Db): Promise<void> {
  await addDomain(db, SYSTEM, { name: 'example.test' });
  await addDomain(db, SYSTEM, { name: 'other.test' });
  await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: PASSWORD });
  await createMailbox(db, SYSTEM, { address: 'dave@example.test', password: PASSWORD });
  await createMailbox(db, SYSTEM, { address: 'bob@example.test', password: PASSWORD, enabled: false });
  await createMailbox(db, SYSTEM, { address: 'full@example.test', password: PASSWORD, quota: '1K' });
  await db.mailbox.update({ where: { address: 'full@example.test' }, data: { usedBytes: 4096n } });
  await createMailbox(db, SYSTEM, { address: 'carol@other.test', password: PASSWORD });
  await createAlias(db, SYSTEM, { source: 'sales@example.test', destinations: ['alice@example.test'] });
  await createAlias(db, SYSTEM, { source: 'team@example.test', destinations: ['alice@example.test', 'dave@example.test', 'someone@remote.test'] });
  await createAlias(db, SYSTEM, { source: '@other.test', destinations: ['carol@other.test'] });
}
