import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';

// RFC 8460 §5.3: a report arrives by mail as an attachment of media type
// application/tlsrpt+gzip (the JSON, gzip-compressed) or application/tlsrpt+json. Some
// reporters label it application/gzip or application/json with a .json(.gz) file name.

/** A report's JSON may be large for a big sender; anything beyond this is refused, not read. */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;

export interface ReportAttachment {
  filename: string | null;
  json: string;
}

export type ExtractResult = { attachments: ReportAttachment[]; errors: string[] };

export async function extractReports(raw: Buffer): Promise<ExtractResult> {
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const attachments: ReportAttachment[] = [];
  const errors: string[] = [];
  for (const a of mail.attachments) {
    const type = a.contentType.toLowerCase();
    const name = a.filename?.toLowerCase() ?? '';
    const gzipped = type === 'application/tlsrpt+gzip' || ((type === 'application/gzip' || type === 'application/x-gzip') && name.endsWith('.json.gz'));
    const plain = type === 'application/tlsrpt+json' || (type === 'application/json' && name.endsWith('.json'));
    if (!gzipped && !plain) continue;
    try {
      const bytes = gzipped ? gunzipSync(a.content, { maxOutputLength: MAX_REPORT_BYTES }) : a.content;
      if (bytes.length > MAX_REPORT_BYTES) throw new Error('too large');
      attachments.push({ filename: a.filename ?? null, json: bytes.toString('utf8') });
    } catch (err) {
      errors.push(`${a.filename ?? type}: ${(err as Error).message}`);
    }
  }
  return { attachments, errors };
}
