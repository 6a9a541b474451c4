import { randomBytes } from 'node:crypto';

export interface AlertMail {
  subject: string;
  body: string;
  to: string[];
  /** Our host name: From is postmaster there, and the Message-ID's right side. */
  hostname: string;
  date: Date;
}

/** RFC 2047 B-encoding for a header value that is not all ASCII. */
function headerText(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/**
 * An alert as an RFC 5322 message: Auto-Submitted: auto-generated (RFC 3834 §5) so that
 * auto-responders stay quiet, text/plain UTF-8, CRLF line ends, no line over 998 octets.
 */
export function composeAlert(mail: AlertMail): Buffer {
  const lines = [
    `From: Postern <postmaster@${mail.hostname}>`,
    `To: ${mail.to.join(', ')}`,
    `Subject: ${headerText(mail.subject)}`,
    `Date: ${mail.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <alert.${randomBytes(9).toString('hex')}@${mail.hostname}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...mail.body.split(/\r?\n/).map((l) => l.slice(0, 998)),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
