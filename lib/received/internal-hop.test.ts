import { describe, expect, it } from 'vitest';
import { parseReceived } from '.';

// A hop's TLS verdict by whether a client connected: only a hop with a `from` part (RFC 5321
// section 4.4 "From-domain") can have crossed a network in cleartext.
describe('tls.used by the presence of a from part', () => {
  it.each([
    ['Gmail internal, no from', 'by mail-qk1-f177.google.com with SMTP id h126so14356112qke.10 for <a@b.example>; Sun, 13 Oct 2019 16:59:51 -0700', null],
    ['no from, LMTP', 'by store.example with LMTP id 4; Mon, 6 Jan 2025 08:00:00 +0000', null],
    ['no from, but TLS stated', 'by relay.example with ESMTPS id 5; Mon, 6 Jan 2025 08:00:00 +0000', true],
    ['from a client, plain SMTP', 'from a.example (a.example [192.0.2.1]) by b.example with SMTP id 1; Mon, 6 Jan 2025 08:00:00 +0000', false],
    ['from a client, ESMTP', 'from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 2; Mon, 6 Jan 2025 08:00:00 +0000', false],
    ['from a client, ESMTPS', 'from a.example (a.example [192.0.2.1]) by b.example with ESMTPS id 3; Mon, 6 Jan 2025 08:00:00 +0000', true],
  ] as const)('%s → %s', (_name, value, used) => {
    expect(parseReceived(value).tls.used).toBe(used);
  });
});
