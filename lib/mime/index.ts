export * from './types';
export { indexMessage, countLines, normalizeCrlf, sha256Hex, MAX_DEPTH, MAX_PARTS } from './indexer';
export { sectionRange, sectionBytes, filterHeader, applyPartial, type Section, type SectionRange, type SectionSpecifier } from './sections';
export { parseHeader, findBodyStart, type HeaderField } from './header';
export { parseAddressList } from './address';
