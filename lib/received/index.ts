export * from './types';
export { parseReceived, isSmtpProtocol, isTlsProtocol, MAX_RECEIVED_LENGTH } from './parse';
export { normalizeTlsVersion } from './tls-facts';
export { parseReceivedDate } from './date';
export { extractReceivedHeaders, headerFields, parseHeaderOf, type ParsedHeader } from './extract';

import { extractReceivedHeaders, type ParsedHeader } from './extract';
import { parseReceived } from './parse';
import { toPublicHop, type PublicHop, type ReceivedHop } from './types';

/** All hops of a message, pasted headers or an already parsed header, topmost Received first. */
export function parseHops(input: string | Buffer | ParsedHeader): ReceivedHop[] {
  return extractReceivedHeaders(input).map(parseReceived);
}

/** The `{ "hops": [...] }` document of `postern tls analyze` and POST /api/received/analyze. */
export function analyzeHeaders(input: string | Buffer): { hops: PublicHop[] } {
  return { hops: parseHops(input).map(toPublicHop) };
}
