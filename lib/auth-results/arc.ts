/**
 * The ARC header fields (RFC 8617 §4.1): ARC-Authentication-Results (`i=N;` then an
 * Authentication-Results payload), ARC-Message-Signature and ARC-Seal (DKIM tag=value lists,
 * RFC 6376 §3.2), grouped into sets by instance. Structure only: no signature is verified here.
 */
import { guarded, readPayload } from './parse';
import { ParseError, type Reader } from './reader';
import type { Unparsable, ArcAuthResultsParse, ArcChain, ArcMessageSignatureParse, ArcSealParse, ArcSet, ChainValidation } from './types';

/** RFC 8617 §4.2.1: instance values run from 1 to 50. */
export const MAX_ARC_INSTANCE = 50;

const TAG = /^([A-Za-z][A-Za-z0-9_]*)[ \t\r\n]*=[ \t\r\n]*([\s\S]*)$/;
// RFC 6376 §3.2 tval: VALCHAR (%x21-3A / %x3C-7E) runs separated by folding whitespace.
const TAG_VALUE = /^[\x21-\x3a\x3c-\x7e]*(?:[ \t\r\n]+[\x21-\x3a\x3c-\x7e]+)*$/;

/** RFC 6376 §3.2 tag-list: `tag=value` separated by ";" (a trailing ";" allowed); a tag twice is invalid. */
export function parseTagList(value: string): Record<string, string> {
  const tags: Record<string, string> = {};
  const specs = value.split(';');
  if (specs.length && specs[specs.length - 1].trim() === '') specs.pop();
  for (const spec of specs) {
    const m = TAG.exec(spec.trim());
    if (!m) throw new ParseError(`"${spec.trim().slice(0, 20)}" is not tag=value`);
    const [, name, v] = m;
    if (!TAG_VALUE.test(v)) throw new ParseError(`tag ${name}= has characters a tag value may not contain`);
    if (Object.hasOwn(tags, name)) throw new ParseError(`tag ${name}= appears twice`);
    tags[name] = v;
  }
  return tags;
}

function instanceOf(v: string | undefined): number {
  if (v === undefined) throw new ParseError('missing tag i= (the instance)');
  if (!/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > MAX_ARC_INSTANCE) throw new ParseError(`i=${v.slice(0, 10)} is not an instance from 1 to ${MAX_ARC_INSTANCE}`);
  return Number(v);
}

function required(tags: Record<string, string>, names: string[]): void {
  for (const n of names) if (!tags[n]) throw new ParseError(`missing tag ${n}=`);
}

function timestampOf(t: string | undefined): string | null {
  if (!t || !/^\d{1,12}$/.test(t)) return null;
  const d = new Date(Number(t) * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const compact = (v: string) => v.replace(/\s+/g, '');

/** Reads a tag list; an error names the instance when it was readable. */
function tagged<T extends { ok: true }>(value: string, build: (tags: Record<string, string>) => T): (T | (Unparsable & { instance: number | null })) & { raw: string } {
  let instance: number | null = null;
  const out = guarded(value, (r: Reader) => {
    const tags = parseTagList(r.text);
    if (/^\d{1,2}$/.test(tags.i ?? '')) instance = Number(tags.i);
    return build(tags);
  });
  return out.ok === false ? { ...out, instance } : out;
}

/** RFC 8617 §4.1.3 ARC-Seal: i, a, b, cv, d, s required; t optional. */
export function parseArcSeal(value: string): ArcSealParse {
  return tagged(value, (tags) => {
    const instance = instanceOf(tags.i);
    required(tags, ['a', 'b', 'cv', 'd', 's']);
    const cv = tags.cv.toLowerCase();
    if (cv !== 'none' && cv !== 'pass' && cv !== 'fail') throw new ParseError(`cv=${tags.cv.slice(0, 10)} is not none, pass or fail`);
    if (tags.h !== undefined) throw new ParseError('h= is not allowed in an ARC-Seal (RFC 8617 §4.1.3)');
    return {
      ok: true as const,
      instance,
      algorithm: tags.a.toLowerCase(),
      cv: cv as ChainValidation,
      domain: tags.d.toLowerCase(),
      selector: tags.s,
      timestamp: timestampOf(tags.t),
      tags: { ...tags, b: compact(tags.b) },
    };
  });
}

/** RFC 8617 §4.1.2 ARC-Message-Signature: the DKIM-Signature tags with i= for the instance. */
export function parseArcMessageSignature(value: string): ArcMessageSignatureParse {
  return tagged(value, (tags) => {
    const instance = instanceOf(tags.i);
    required(tags, ['a', 'b', 'bh', 'd', 'h', 's']);
    return {
      ok: true as const,
      instance,
      algorithm: tags.a.toLowerCase(),
      domain: tags.d.toLowerCase(),
      selector: tags.s,
      headers: tags.h.split(':').map((h) => h.trim().toLowerCase()).filter(Boolean),
      canonicalization: tags.c ?? null,
      timestamp: timestampOf(tags.t),
      tags: { ...tags, b: compact(tags.b), bh: compact(tags.bh), h: compact(tags.h) },
    };
  });
}

/** RFC 8617 §4.1.1: `i=N;` then an Authentication-Results payload. */
export function parseArcAuthenticationResults(value: string): ArcAuthResultsParse {
  let instance: number | null = null;
  const out = guarded(value, (r) => {
    if (!r.lookingAt('i')) r.fail('expected "i=" (the instance) first');
    r.keyword();
    r.expect('=', 'after "i"');
    const n = r.digits();
    if (n === null) r.fail('expected the instance number');
    instance = instanceOf(n ?? undefined);
    r.expect(';', 'after the instance');
    return { ...readPayload(r), instance: instance as number };
  });
  return out.ok === false ? { ...out, instance } : out;
}

export interface ArcFields {
  authenticationResults: string[];
  messageSignatures: string[];
  seals: string[];
}

/**
 * The sets by instance and what their structure says (RFC 8617 §5.1.1 steps 1–3): every
 * instance from 1 to N present exactly once per field, i=1 sealed with cv=none, the others
 * with cv=pass; any cv=fail ends the chain. The field values are parsed here.
 */
export function arcChainOf(fields: ArcFields): ArcChain {
  const bySet = new Map<number, ArcSet>();
  const problems: string[] = [];
  const slot = (i: number) => {
    let s = bySet.get(i);
    if (!s) bySet.set(i, (s = { instance: i, authenticationResults: null, messageSignature: null, seal: null }));
    return s;
  };
  const place = <T extends { ok: boolean; instance: number | null; error?: string }>(list: T[], key: 'authenticationResults' | 'messageSignature' | 'seal', name: string) => {
    for (const p of list) {
      if (p.instance === null) {
        problems.push(`an ${name} without a readable instance: ${p.error}`);
        continue;
      }
      const s = slot(p.instance);
      if (s[key]) problems.push(`two ${name} fields for i=${p.instance}`);
      else (s as unknown as Record<string, T>)[key] = p;
      if (!p.ok) problems.push(`${name} i=${p.instance}: ${p.error}`);
    }
  };
  place(fields.authenticationResults.slice(0, MAX_ARC_INSTANCE * 2).map(parseArcAuthenticationResults), 'authenticationResults', 'ARC-Authentication-Results');
  place(fields.messageSignatures.slice(0, MAX_ARC_INSTANCE * 2).map(parseArcMessageSignature), 'messageSignature', 'ARC-Message-Signature');
  place(fields.seals.slice(0, MAX_ARC_INSTANCE * 2).map(parseArcSeal), 'seal', 'ARC-Seal');
  const sets = [...bySet.values()].sort((a, b) => a.instance - b.instance);
  if (sets.length === 0 && problems.length === 0) return { sets, status: 'none', problem: null };
  sets.forEach((s, k) => {
    if (s.instance !== k + 1) problems.push(`instance ${k + 1} is missing`);
    for (const [key, name] of [
      ['authenticationResults', 'ARC-Authentication-Results'],
      ['messageSignature', 'ARC-Message-Signature'],
      ['seal', 'ARC-Seal'],
    ] as const) {
      if (!s[key]) problems.push(`i=${s.instance} has no ${name}`);
    }
    const seal = s.seal?.ok ? s.seal : null;
    if (seal && s.instance === 1 && seal.cv !== 'none') problems.push(`i=1 is sealed with cv=${seal.cv} (must be none)`);
    if (seal && s.instance > 1 && seal.cv === 'none') problems.push(`i=${s.instance} is sealed with cv=none (only i=1 may be)`);
  });
  if (problems.length) return { sets, status: 'invalid', problem: [...new Set(problems)].join('; ') };
  // A sealer that found the chain below it broken says cv=fail, and the chain stays failed.
  const failed = sets.some((s) => s.seal?.ok && s.seal.cv === 'fail');
  return { sets, status: failed ? 'fail' : 'pass', problem: null };
}
