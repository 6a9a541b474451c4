/** RFC 5322 date-time (with the obsolete forms real servers still write) → ISO 8601 UTC, or null. */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// RFC 5322 section 4.3 obs-zone; military zones are treated as -0000 as that section advises.
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

export function parseReceivedDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const s = text.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  const m =
    /^(?:[A-Za-z]{3,9},?\s*)?(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([+-]\d{4}|[A-Za-z]{1,5})?/.exec(
      s,
    );
  if (!m) return ctimeDate(s);
  const day = Number(m[1]);
  const month = MONTHS[m[2].toLowerCase()];
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[7];
  if (zone) {
    if (/^[+-]\d{4}$/.test(zone)) {
      const sign = zone[0] === '-' ? -1 : 1;
      const hh = Number(zone.slice(1, 3));
      const mm = Number(zone.slice(3, 5));
      if (hh > 23 || mm > 59) return null;
      offset = sign * (hh * 60 + mm);
    } else {
      offset = ZONES[zone.toUpperCase()] ?? 0;
    }
  }
  // Date.UTC rolls 31 Feb over into March: refuse rather than answer a different day
  if (new Date(Date.UTC(year, month, day)).getUTCMonth() !== month) return null;
  const d = new Date(Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60_000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** asctime/ctime, as smtpd (TIS FWTK) and some gateways write it: "Sun Nov 13 14:50:12 2005" (zone not stated: UTC). */
function ctimeDate(s: string): string | null {
  const m = /^[A-Za-z]{3} ([A-Za-z]{3}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (\d{4})$/.exec(s);
  if (!m) return null;
  const month = MONTHS[m[1].toLowerCase()];
  const [day, hour, minute, second, year] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  if (new Date(Date.UTC(year, month, day)).getUTCMonth() !== month) return null;
  return new Date(Date.UTC(year, month, day, hour, minute, second)).toISOString();
}
