import fs from 'node:fs';
import tls from 'node:tls';

/**
 * The CA list for verifying peers when extra trust anchors are given: node's own roots,
 * the operator's NODE_EXTRA_CA_CERTS (which `ca:` would otherwise replace), and the extra
 * ones. Undefined when there are no extras: node's default store already holds the rest.
 */
export function trustAnchors(extra: string | Buffer | Array<string | Buffer> | undefined): string[] | undefined {
  const list = extra === undefined ? [] : Array.isArray(extra) ? extra : [extra];
  if (!list.length) return undefined;
  const operator: string[] = [];
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file) {
    try {
      operator.push(fs.readFileSync(file, 'utf8'));
    } catch {
      // node itself warns about an unreadable file at start
    }
  }
  return [...tls.rootCertificates, ...operator, ...list.map(String)];
}
