export * from './types';
export { indexMessage, indexWithHeader, countLines, normalizeCrlf, sha256Hex, MAX_DEPTH, MAX_PARTS } from './indexer';
export { sectionRange, sectionBytes, filterHeader, applyPartial, type Section, type SectionRange, type SectionSpecifier } from './sections';
export { parseHeader, findBodyStart, removeHeaderFields, type HeaderField, type ParsedHeader } from './header';
export { parseAddressList } from './address';
