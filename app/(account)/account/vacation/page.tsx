import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/lib/dal/db';
import { requireMailUser } from '@/lib/dal/mail-user';
import { getVacation } from '@/lib/self-service';
import { VacationForm } from './vacation-form';

export const metadata: Metadata = { title: 'Vacation reply' };

export default async function VacationPage() {
  const user = await requireMailUser();
  const v = await getVacation(db(), user);
  return (
    <>
      <PageHeader
        title="Vacation reply"
        description="An automatic answer while you are away: once per sender in the interval, never to mailing lists, bulk mail, other automatic mail or bounces (RFC 3834)."
      />
      <Card>
        <VacationForm vacation={v} />
      </Card>
    </>
  );
}
