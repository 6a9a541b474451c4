export { checkToken, type TokenCheck, type TokenIdentity } from './authenticate';
export { tokenState, type ApiTokenDto } from './dto';
export { createToken, listTokens, revokeToken } from './manage-tokens';
export { bearerToken, hashToken, TOKEN_PREFIX } from './secret';
export { createTokenSchema, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, TOKEN_SCOPES, type CreateTokenInput, type TokenScope } from './validations';
