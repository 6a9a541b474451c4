import { describe, expect, it } from 'vitest';
import { parseReceived } from '@/lib/received';
import { chainBreak, pathHopOf, type PathHop } from './hop-path';

const hop = (value: string) => pathHopOf(parseReceived(value));
const ours = (fromHosts: string[]): PathHop => ({ from: fromHosts.join(' '), fromHosts, by: 'this server', protocol: 'ESMTPS', date: null, tls: { used: true, version: 'TLSv1.3', cipher: null, bits: null }, fact: true });

// Oldest first, as the path is drawn: does each hop come from the host the hop before was received by?
describe('chainBreak', () => {
  it.each([
    ['the sender is the previous receiver', hop('from a.example (a.example [192.0.2.1]) by b.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), hop('from b.example (b.example [192.0.2.2]) by c.example with ESMTPS id 2; Mon, 6 Jan 2025 08:00:01 +0000'), false],
    ['matching by reverse name, case and trailing dot aside', hop('from a.example (a.example [192.0.2.1]) by Relay.Example. with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), hop('from helo-x (relay.example [192.0.2.2]) by c.example with ESMTPS id 2; Mon, 6 Jan 2025 08:00:01 +0000'), false],
    ['a different host: a break', hop('from a.example (a.example [192.0.2.1]) by b.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), hop('from z.example (z.example [198.51.100.9]) by c.example with ESMTPS id 2; Mon, 6 Jan 2025 08:00:01 +0000'), true],
    ['an internal hop (no from) never breaks', hop('from a.example (a.example [192.0.2.1]) by b.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), hop('by mail-qk1-f177.google.com with SMTP id h126; Mon, 6 Jan 2025 08:00:01 +0000'), false],
    ['our hop: the real client is the top claimed receiver', hop('from a.example (a.example [192.0.2.1]) by mx.sender.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), ours(['mx.sender.example', 'mx.sender.example', '192.0.2.7']), false],
    ['our hop: a client that is not the top claimed receiver', hop('from a.example (a.example [192.0.2.1]) by mx.sender.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:00 +0000'), ours(['other.example', '203.0.113.4']), true],
  ] as const)('%s', (_name, previous, next, broken) => {
    expect(chainBreak(previous, next)).toBe(broken);
  });
});
