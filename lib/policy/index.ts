export { policySchema, policyOverrideSchema, DEFAULT_POLICY, type Policy, type PolicyOverride } from './schema';
export { databasePolicy, getEffectivePolicy, getPolicyOverride, mergePolicy, GLOBAL_POLICY_ID, type PolicyReader } from './get-policy';
export { updatePolicy, type UpdatePolicyInput } from './update-policy';
export { redactSmarthost, sealSmarthost, updatePolicyWithSmarthost, type SmarthostInput, type StoredSmarthost, type UpdateWithSmarthostInput } from './smarthost';
