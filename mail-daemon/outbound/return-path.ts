import { removeHeaderFields } from '@/lib/mime';

// RFC 5321 §4.4: Return-Path is added by the final delivery; a system that sends a message on
// SHOULD NOT send one that already carries it. Our stored copy begins with the Return-Path the
// local mailboxes get, so it is taken out (with any a client put in) before the message leaves.

/** The message without Return-Path fields (folded continuation lines included) in its header section. */
export function withoutReturnPath(raw: Buffer): Buffer {
  return removeHeaderFields(raw, (f) => f.key === 'return-path').message;
}
