import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getAccountVacation } from '@/lib/dal/account';
import { VacationForm } from './vacation-form';

export const metadata: Metadata = { title: 'Vacation reply' };

export default async function VacationPage() {
  const v = await getAccountVacation();
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
