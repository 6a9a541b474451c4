/**
 * Authentication-Results (RFC 8601 §2.2):
 *
 *   authres-payload = [CFWS] authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS]
 *   no-result  = [CFWS] ";" [CFWS] "none"
 *   resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
 *   methodspec = [CFWS] method [CFWS] "=" [CFWS] result      ; method = Keyword [ "/" method-version ]
 *   reasonspec = "reason" [CFWS] "=" [CFWS] value
 *   propspec   = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 *
 * Two liberties real writers need: a trailing ";" after the last resinfo, and pvalues such as
 * `header.b=ab+/Cd` or `smtp.mailfrom=a+b=c@example.net` read up to the next blank, comment or ";".
 */
import { unfold } from '@/lib/received/tokenize';
import { ParseError, Reader } from './reader';
import type { AuthResultsParse, MethodResult, ParsedAuthResults, Unparsable } from './types';

/** A field value longer than this is not read (a real one, even with many DKIM signatures, is a few KB). */
export const MAX_AUTH_RESULTS_LENGTH = 64 * 1024;
/** More resinfo than this in one field is not a real header. */
const MAX_RESULTS = 100;

function methodResult(r: Reader): MethodResult {
  const method = r.keyword();
  if (!method) r.fail('expected a method name');
  let methodVersion: number | null = null;
  if (r.accept('/')) {
    const v = r.digits();
    if (!v) r.fail('expected a method version after "/"');
    methodVersion = Number(v);
  }
  r.expect('=', `after the method "${method}"`);
  const result = r.keyword();
  if (!result) r.fail(`expected a result for "${method}"`);
  const out: MethodResult = { method: method.toLowerCase(), methodVersion, result: result.toLowerCase(), reason: null, comments: [], properties: [] };
  for (;;) {
    out.comments.push(...r.takeComments());
    if (r.atEnd() || r.peek(';')) break;
    if (r.lookingAt('reason') && out.reason === null && out.properties.length === 0) {
      r.keyword();
      r.expect('=', 'after "reason"');
      const reason = r.value();
      if (reason === null) r.fail('expected the reason text');
      out.reason = reason;
      continue;
    }
    const ptype = r.keyword();
    if (!ptype) r.fail('expected a property (ptype.property=value) or ";"');
    r.expect('.', `after "${ptype}"`);
    const property = r.keyword();
    if (!property) r.fail(`expected a property name after "${ptype}."`);
    r.expect('=', `after "${ptype}.${property}"`);
    const value = r.pvalue();
    if (value === null) r.fail(`expected a value for "${ptype}.${property}"`);
    out.properties.push({ ptype: ptype.toLowerCase(), property: property.toLowerCase(), value });
  }
  // The look-ahead for ";" or the end read the comments that close this result.
  out.comments = [...out.comments, ...r.takeComments()].filter(Boolean);
  return out;
}

/** The payload from the reader's position to the end (also the tail of ARC-Authentication-Results). */
export function readPayload(r: Reader): ParsedAuthResults {
  const authservId = r.value();
  if (!authservId) r.fail('expected the authserv-id (the checking server\'s name)');
  let version: number | null = null;
  const v = r.digits();
  if (v !== null) version = Number(v);
  if (r.atEnd()) r.fail('expected ";" and results after the authserv-id');
  r.expect(';', 'after the authserv-id');
  const out: ParsedAuthResults = { ok: true, authservId, version, comments: r.takeComments().filter(Boolean), none: false, results: [] };
  if (r.lookingAt('none')) {
    const save = r.pos;
    r.keyword();
    if (r.atEnd()) {
      out.none = true;
      return out;
    }
    r.pos = save;
  }
  for (;;) {
    if (r.atEnd()) break; // a trailing ";"
    if (out.results.length >= MAX_RESULTS) r.fail(`more than ${MAX_RESULTS} results`);
    out.results.push(methodResult(r));
    if (r.atEnd()) break;
    r.expect(';', 'between results');
  }
  if (out.results.length === 0) r.fail('expected a result or "none" after ";"');
  r.takeComments();
  return out;
}

/** Runs a parse over an unfolded, length-checked value; any grammar error becomes an unparsable result. */
export function guarded<T extends { ok: true }>(value: string, parse: (r: Reader) => T): (T | Unparsable) & { raw: string } {
  const raw = unfold(value.length > MAX_AUTH_RESULTS_LENGTH ? value.slice(0, 200) : value);
  if (value.length > MAX_AUTH_RESULTS_LENGTH) return { ok: false, error: `longer than ${MAX_AUTH_RESULTS_LENGTH} characters`, raw };
  try {
    return { ...parse(new Reader(raw)), raw };
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, error: err.message, raw };
    throw err;
  }
}

/** One Authentication-Results field value (what follows the colon, folded or not). */
export function parseAuthenticationResults(value: string): AuthResultsParse {
  return guarded(value, readPayload);
}
