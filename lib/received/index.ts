export * from './types';
export { parseReceived, isSmtpProtocol, isTlsProtocol, MAX_RECEIVED_LENGTH } from './parse';
export { normalizeTlsVersion } from './tls-facts';
export { parseReceivedDate } from './date';
export { extractReceivedHeaders, headerFields, headerSection } from './extract';

import { extractReceivedHeaders } from './extract';
import { parseReceived } from './parse';
import { toPublicHop, type PublicHop, type ReceivedHop } from './types';

/** All hops of a message or pasted headers, topmost Received first. */
export function parseHops(input: string | Buffer): ReceivedHop[] {
  return extractReceivedHeaders(input).map(parseReceived);
}

/** The `{ "hops": [...] }` document of `postern tls analyze` and POST /api/received/analyze. */
export function analyzeHeaders(input: string | Buffer): { hops: PublicHop[] } {
  return { hops: parseHops(input).map(toPublicHop) };
}
