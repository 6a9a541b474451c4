// The day a message was sent as its Date: header writes it (RFC 3501 6.4.4: SENTBEFORE, SENTON
// and SENTSINCE compare that date, time and zone disregarded). The stored instant (sent_at) loses
// the header's zone, so the day is kept beside it: the instant moved by the header's own offset.
// The migration adding mail_blobs.sent_date derives existing rows the same way in SQL.

/** RFC 5322 4.3 obsolete zone names; anything else unknown counts as +0000 (as "-0000" does). */
const NAMED_ZONES: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** The zone of a Date: header value in minutes east of UTC. */
export function zoneOffsetMinutes(date: string): number {
  const d = date.replace(/\s*\([^)]*\)\s*$/, '');
  const numeric = /([+-])(\d\d)(\d\d)\s*$/.exec(d);
  if (numeric) return (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3]));
  const named = /([A-Za-z]+)\s*$/.exec(d);
  return named ? (NAMED_ZONES[named[1].toUpperCase()] ?? 0) : 0;
}

/** 'YYYY-MM-DD' as written in the Date: header, null without a parseable one (sentAt null). */
export function sentDay(date: string | null, sentAt: string | null): string | null {
  if (!date || !sentAt) return null;
  const day = new Date(Date.parse(sentAt) + zoneOffsetMinutes(date) * 60_000).toISOString();
  // A zone past +2359 on the last day of 9999 leaves four-digit years: no day then, as for sent_at.
  return /^\d{4}-/.test(day) ? day.slice(0, 10) : null;
}
