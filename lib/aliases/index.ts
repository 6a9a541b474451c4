export type { AliasDto } from './dto';
export { createAlias } from './create-alias';
export { listAliases, type ListAliasesInput } from './list-aliases';
export { updateAlias } from './update-alias';
export { removeAlias } from './remove-alias';
export { findAliasInScope } from './find-alias';
export { MAX_ALIAS_DEPTH, MAX_DESTINATIONS } from './check-destinations';
