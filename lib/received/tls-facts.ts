/**
 * What a comment or clause of a Received header says about TLS. Each recogniser names the software whose
 * wording it reads; the fixtures in received.fixtures.ts cite real samples of each.
 */
import type { ClientCertificate, TlsVersion } from './types';

export interface TlsStatement {
  version: TlsVersion | null;
  /** the version as written (kept to tell "not stated" from "ambiguous") */
  versionRaw: string | null;
  cipher: string | null;
  bits: number | null;
  clientCert: ClientCertificate | null;
}

/**
 * `TLSv1`, `TLS1`, `TLS1_0`, `TLS1.0`, `TLS-1.0`, `TLS 1.0` → TLSv1.0 (and 1.1/1.2/1.3); `SSLv3`, `SSL3.0`… → SSLv3.
 * Anything else, including OpenSSL's ambiguous `TLSv1/SSLv3`, is null: never guessed.
 */
export function normalizeTlsVersion(raw: string | null | undefined): TlsVersion | null {
  if (!raw) return null;
  const m = /^(TLS|SSL)\s*[-_ ]?\s*v?\s*(\d)(?:[._](\d))?$/i.exec(raw.trim());
  if (!m) return null;
  const proto = m[1].toUpperCase();
  const major = Number(m[2]);
  const minor = m[3] === undefined ? 0 : Number(m[3]);
  if (proto === 'SSL') return major === 3 && minor === 0 ? 'SSLv3' : null;
  if (major !== 1) return null;
  switch (minor) {
    case 0:
      return 'TLSv1.0';
    case 1:
      return 'TLSv1.1';
    case 2:
      return 'TLSv1.2';
    case 3:
      return 'TLSv1.3';
    default:
      return null;
  }
}

const VERSION_TOKEN = /^(?:TLS|SSL)(?:[-_ ]?v?\d(?:[._]\d)?)?(?:\/SSLv?3)?$/i;

function looksLikeVersion(s: string): boolean {
  return VERSION_TOKEN.test(s);
}

function stmt(versionRaw: string | null, cipher: string | null, bits: string | number | null | undefined): TlsStatement {
  const b = bits === null || bits === undefined || bits === '' ? null : Number(String(bits).split('/')[0]);
  return {
    versionRaw,
    version: normalizeTlsVersion(versionRaw),
    cipher: cipher && cipher.length > 0 ? cipher : null,
    bits: b !== null && Number.isFinite(b) && b >= 0 && b < 100000 ? b : null,
    clientCert: null,
  };
}

function verifyWord(word: string, note: string): ClientCertificate {
  const w = word.toUpperCase();
  // Sendmail's ${verify}: OK, NO (not presented), NOT (not requested), FAIL, NONE, SOFTWARE, PROTOCOL, TEMP…
  if (w === 'OK' || w === 'YES') return { presented: true, verified: true, note };
  if (w === 'FAIL') return { presented: true, verified: false, note };
  if (w === 'NO') return { presented: false, verified: false, note };
  if (w === 'NOT' || w === 'NONE') return { presented: null, verified: false, note };
  return { presented: null, verified: null, note };
}

/** Every recogniser below needs one of these words; most comments (host names, "Postfix") have none. */
const MAYBE_TLS = /TLS|SSL|cipher|version=|encrypted|Google Transport Security/i;

/** Read one comment's text (without the outer parentheses). */
export function readTlsComment(text: string): TlsStatement | 'tls-only' | null {
  const s = text.trim();
  if (s.length === 0 || s.length > 2000) return null;
  if (!MAYBE_TLS.test(s)) return null;

  // Postfix (and Stalwart): "using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits) …"
  let m = /\busing\s+(\S+)\s+with\s+cipher\s+([^\s()]+)(?:\s*\((\d+)\/\d+\s+bits\))?/i.exec(s);
  if (m) return stmt(m[1], m[2], m[3]);

  // Sendmail, Proofpoint, Haraka <2.8.26, Google, Microsoft, Barracuda: "version=… cipher=… bits=… verify=…"
  if (/(?:^|[\s,])(?:version|cipher)=/i.test(s)) {
    const kv: Record<string, string> = {};
    for (const p of s.matchAll(/([A-Za-z-]+)=([^\s,;()]+)/g)) kv[p[1].toLowerCase()] = p[2];
    if (kv.version !== undefined || kv.cipher !== undefined) {
      const r = stmt(kv.version ?? null, kv.cipher ?? null, kv.bits);
      if (kv.verify) r.clientCert = verifyWord(kv.verify, `verify=${kv.verify}`);
      return r;
    }
  }

  // Courier: "TLS: TLSv1.2,128bits,ECDHE-RSA-AES128-GCM-SHA256" (older: "SSL: …"), possibly after "AUTH: …,"
  m = /\b(?:TLS|SSL):\s*([^,\s]+)\s*,\s*(\d+)\s*bits\s*,\s*([^,\s()]+)/i.exec(s);
  if (m) return stmt(m[1], m[3], m[2]);

  // "using TLS: TLSv1.2, AES256-SHA"
  m = /\busing\s+TLS:\s*([^,\s]+)\s*,\s*([^,\s()]+)/i.exec(s);
  if (m) return stmt(m[1], m[2], null);

  // Exim (OpenSSL/GnuTLS) and OpenSMTPD: "TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256", "TLS1.3", "TLSv1.3:…:256:NO"
  m = /^((?:TLS|SSL)[^:\s]*)(?::([^:\s]+))?(?::(\d+))?(?::([A-Za-z]+))?$/i.exec(s);
  if (m && looksLikeVersion(m[1])) {
    const r = stmt(m[1], m[2] ?? null, m[3]);
    if (m[4]) {
      // OpenSMTPD's fourth field: YES (verified), FAIL, NO (not verified, presented or not)
      const w = m[4].toUpperCase();
      r.clientCert =
        w === 'NO' ? { presented: null, verified: false, note: m[4] } : verifyWord(m[4], m[4]);
    }
    return r;
  }

  // mox "TLS1.3, TLS_AES_128_GCM_SHA256", Stalwart/others "TLSv1.3 TLS_AES_256_GCM_SHA384", "TLSv1.2 X 256/256"
  m = /^((?:TLS|SSL)[^\s,]*),?\s+([A-Za-z0-9_-]+)(?:\s+(\d+)\/\d+)?$/i.exec(s);
  if (m && looksLikeVersion(m[1])) return stmt(m[1], m[2], m[3]);

  // Cellopoint and other gateways: "Generic MTA with TLSv1.2 ECDHE-RSA-AES256-SHA384 256/256"
  m = /\bwith\s+((?:TLS|SSL)v?\d(?:[._]\d)?)\s+([A-Za-z0-9_-]+)(?:\s+(\d+)\/\d+)?/i.exec(s);
  if (m) return stmt(m[1], m[2], m[3]);

  // qmail TLS patch, qpsmtpd: "DHE-RSA-AES256-SHA encrypted"
  m = /^([A-Za-z0-9_.-]+)\s+encrypted$/i.exec(s);
  if (m) return looksLikeVersion(m[1]) ? stmt(m[1], null, null) : stmt(null, m[1], null);

  // Google: "Google Transport Security"; assorted appliances: "… with TLS", "ESMTP with TLS"
  if (/^Google Transport Security$/i.test(s) || /\bwith\s+(?:TLS|SSL)\b/i.test(s)) return 'tls-only';

  return null;
}

/** Postfix client-certificate comments; they only appear on TLS sessions. */
export function readClientCertComment(text: string): ClientCertificate | null {
  const s = text.trim();
  if (/^No client certificate requested$/i.test(s)) return { presented: null, verified: false, note: s };
  if (/^Client did not present a certificate$/i.test(s)) return { presented: false, verified: false, note: s };
  if (/^Client CN\b/i.test(s)) {
    if (/\(verified OK\)\s*$/i.test(s)) return { presented: true, verified: true, note: 'verified OK' };
    if (/\(not verified\)\s*$/i.test(s)) return { presented: true, verified: false, note: 'not verified' };
    return { presented: true, verified: null, note: s.slice(0, 200) };
  }
  return null;
}
