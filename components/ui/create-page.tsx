import Link from 'next/link';
import { BackLink } from './back-link';
import { buttonClass } from './button';
import { Card } from './card';
import { PageHeader } from './page-header';
import { SubmitButton } from './submit-button';

// The one way the panel adds a domain, an alias or a mailbox: the list's "New …" button
// leads to a page of its own with one form (first field focused, errors next to their
// fields), Cancel goes back, and a success returns to the list saying what was added.

/** The page around a create form: the way back to the list, the title, the form in a card. */
export function CreatePage({
  list,
  title,
  description,
  children,
}: {
  /** The list this page adds to, e.g. { href: '/domains', label: 'Domains' }. */
  list: { href: string; label: string };
  title: string;
  description?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <>
      <BackLink href={list.href}>{list.label}</BackLink>
      <PageHeader title={title} description={description} />
      <Card className="max-w-2xl">{children}</Card>
    </>
  );
}

/** A create form's last row: the submit button, then Cancel back to the list. */
export function CreateFormActions({
  submit,
  pendingText,
  pending,
  cancelHref,
}: {
  submit: string;
  pendingText: string;
  pending: boolean;
  cancelHref: string;
}) {
  return (
    <div className="flex flex-wrap gap-2">
      <SubmitButton pendingText={pendingText} pending={pending}>
        {submit}
      </SubmitButton>
      <Link className={buttonClass('secondary')} href={cancelHref}>
        Cancel
      </Link>
    </div>
  );
}
