import Link from 'next/link';
import { Card, CardTitle } from '@/components/ui/card';
import type { FirstSteps } from '@/lib/dal/dashboard';

const STEPS: { key: keyof FirstSteps; label: string; href: string; hint: string }[] = [
  { key: 'domain', label: 'Add a domain', href: '/domains/new', hint: 'the domain your addresses end in' },
  { key: 'dns', label: 'Publish the DNS records', href: '/domains', hint: 'MX, SPF, DKIM and DMARC at your DNS provider, then check them' },
  { key: 'mailbox', label: 'Create a mailbox', href: '/mailboxes/new', hint: 'an address someone signs in to' },
  { key: 'certificate', label: 'Install a certificate', href: '/certificates', hint: 'the self-signed one the daemon made is refused by most mail clients' },
];

/** The first-run checklist: what a new server needs before it carries mail, each step ticked once done. */
export function FirstStepsCard({ steps }: { steps: FirstSteps }) {
  const done = STEPS.filter((s) => steps[s.key]).length;
  return (
    <Card className="mb-8" data-testid="first-steps">
      <CardTitle>
        First steps · {done} of {STEPS.length} done
      </CardTitle>
      <ol aria-label="First steps" className="mt-3 space-y-2 text-sm">
        {STEPS.map((s) => (
          <li key={s.key} data-done={String(steps[s.key])} className="flex items-start gap-2">
            <span aria-hidden="true" className={steps[s.key] ? 'text-ok' : 'text-muted'}>
              {steps[s.key] ? '✔' : '○'}
            </span>
            <span>
              <Link href={s.href} className="font-medium text-accent underline underline-offset-2 hover:no-underline">
                {s.label}
              </Link>
              <span className="sr-only">{steps[s.key] ? ' (done)' : ' (to do)'}</span>
              <span className="block text-xs text-muted">{s.hint}</span>
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
