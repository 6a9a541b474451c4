import { domainToUnicode } from 'node:url';

// How the panel shows a domain name, a host name or an address: international labels in Unicode,
// as people read them ("bücher.example"), with the ASCII form the DNS and SMTP carry
// ("xn--bcher-kva.example", RFC 5890 A-labels) on hover. Server-rendered (node:url decodes).

export interface IdnDisplay {
  /** What is shown: the Unicode form; an address keeps its local part as it is. */
  text: string;
  /** The ASCII form, when it differs from what is shown; null otherwise. */
  ascii: string | null;
}

const A_LABEL = /(^|\.)xn--/i;

/** "xn--bcher-kva.example" → bücher.example; "info@xn--bcher-kva.example" → info@bücher.example; "@…" (a catch-all) likewise. */
export function idnDisplay(value: string): IdnDisplay {
  const at = value.lastIndexOf('@');
  const local = at >= 0 ? value.slice(0, at + 1) : '';
  const domain = at >= 0 ? value.slice(at + 1) : value;
  // Only A-labels are decoded: any other name is shown exactly as stored (its case included).
  if (!A_LABEL.test(domain)) return { text: value, ascii: null };
  const unicode = domainToUnicode(domain);
  if (!unicode || unicode === domain) return { text: value, ascii: null };
  return { text: `${local}${unicode}`, ascii: value };
}

/**
 * A domain, host or address in Unicode, its ASCII form as the tooltip. Nothing else is added to
 * the text, so a screen reader reads the name once, as written; translate="no" keeps a page
 * translator from rewriting it.
 */
export function DomainName({ name, className }: { name: string; className?: string }) {
  const { text, ascii } = idnDisplay(name);
  return (
    <span translate="no" title={ascii ?? undefined} className={className}>
      {text}
    </span>
  );
}

/** Several names, comma-separated, each as DomainName; `empty` when there are none. */
export function DomainNames({ names, empty = '' }: { names: readonly string[]; empty?: string }) {
  if (names.length === 0) return <>{empty}</>;
  return (
    <>
      {names.map((n, i) => (
        <span key={n}>
          {i > 0 ? ', ' : null}
          <DomainName name={n} />
        </span>
      ))}
    </>
  );
}
