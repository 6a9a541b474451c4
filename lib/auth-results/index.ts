export * from './types';
export { parseAuthenticationResults, MAX_AUTH_RESULTS_LENGTH, MAX_RESULTS } from './parse';
export { parseArcAuthenticationResults, parseArcMessageSignature, parseArcSeal, parseTagList, arcChainOf, MAX_ARC_INSTANCE, type ArcFields } from './arc';
export { analyzeAuthentication, MAX_AUTH_RESULTS_FIELDS } from './analyze';
