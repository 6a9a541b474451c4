export { policySchema, policyOverrideSchema, DEFAULT_POLICY, type Policy, type PolicyOverride } from './schema';
export { getEffectivePolicy, getPolicyOverride, mergePolicy, GLOBAL_POLICY_ID } from './get-policy';
export { updatePolicy, type UpdatePolicyInput } from './update-policy';
export { redactSmarthost, sealSmarthost, updatePolicyWithSmarthost, type SmarthostInput, type StoredSmarthost, type UpdateWithSmarthostInput } from './smarthost';
