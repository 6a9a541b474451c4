export { resolveRecipient, type Resolution, type LocalTarget, type TargetState } from './resolve-recipient';
export { isLocalDomain } from './local-domain';
export { allowedSenders } from './allowed-senders';
export { ownsAddress } from './owns-address';
