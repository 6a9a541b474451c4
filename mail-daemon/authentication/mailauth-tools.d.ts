// mailauth's own Authentication-Results row formatter (RFC 8601 §2.2 value quoting), which its
// package ships without types.
declare module 'mailauth/lib/tools.js' {
  export function formatAuthHeaderRow(
    method: string,
    status: { result: string; comment?: string | false; [ptype: string]: unknown },
    options?: { strict?: boolean },
  ): string;
}
