export * from './types';
export { parseAuthenticationResults, MAX_AUTH_RESULTS_LENGTH } from './parse';
export { parseArcAuthenticationResults, parseArcMessageSignature, parseArcSeal, parseTagList, arcChainOf } from './arc';
export { analyzeAuthentication } from './analyze';
