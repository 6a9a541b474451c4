import { policyOverrideSchema } from '@/lib/policy/schema';
import { setPath } from './fields';

/** The policy schema's own verdict on one form value (its message, e.g. "starts with v=spf1"); server side only. */
export function policySchemaError(path: string, value: unknown): Error | null {
  const probe: Record<string, unknown> = {};
  setPath(probe, path, value);
  const parsed = policyOverrideSchema.safeParse(probe);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const index = issue.path[path.split('.').length];
  return new Error(typeof index === 'number' && Array.isArray(value) ? `"${value[index]}": ${issue.message}.` : `${issue.message[0].toUpperCase()}${issue.message.slice(1)}.`);
}
