import { describe, expect, it } from 'vitest';
import { createSrs } from './srs';

const DAY = 86_400_000;
const T0 = new Date('2026-03-10T12:00:00Z');
const at = (days: number) => () => new Date(T0.getTime() + days * DAY);

const fwd = createSrs({ secret: 'forwarder secret', domain: 'fwd.example.net', now: at(0) });

/** Replace the hash field of an SRS0/SRS1 local part. */
const withHash = (address: string, h: string) => address.replace(/^(SRS[01]=)[^=]{4}/, `$1${h}`);
const hashOf = (address: string) => /^SRS[01]=([^=]{4})=/.exec(address)![1];
/** A 4-character hash differing from h in every position, in a way case folding cannot undo. */
const tamper = (h: string) => [...h].map((c) => (c === 'A' || c === 'a' ? 'B' : 'A')).join('');

describe('forward / reverse round trip', () => {
  it.each([
    ['plain', 'alice@example.org'],
    ['local part with "+"', 'bob+lists@example.org'],
    ['local part with "="', 'a=b@example.org'],
    ['local part with "=" and "+"', 'x=y+z=@example.org'],
    ['mixed-case domain', 'Carol@Example.ORG'],
    ['subdomain', 'dave@mail.eu.example.org'],
  ])('%s', (_name, sender) => {
    const rewritten = fwd.forward(sender);
    expect(rewritten).toMatch(/^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=[^=@]+=.+@fwd\.example\.net$/);
    expect(rewritten.endsWith(`=${sender.slice(0, sender.lastIndexOf('@'))}@fwd.example.net`)).toBe(true);
    expect(fwd.isSrs(rewritten)).toBe(true);
    expect(fwd.reverse(rewritten)).toBe(sender);
  });

  it('writes the day stamp as days since the epoch mod 1024 in base32', () => {
    const days = Math.floor(T0.getTime() / DAY) % 1024;
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    expect(fwd.forward('a@example.org').split('=')[2]).toBe(chars[days >> 5] + chars[days & 31]);
  });
});

describe('special senders', () => {
  it.each([
    ['the null reverse-path stays null', '', ''],
    ['a sender at our own domain is not rewritten', 'list@fwd.example.net', 'list@fwd.example.net'],
    ['our domain in another case', 'list@FWD.Example.net', 'list@FWD.Example.net'],
  ])('%s', (_name, sender, expected) => {
    expect(fwd.forward(sender)).toBe(expected);
  });

  it('refuses a sender without a domain', () => {
    expect(() => fwd.forward('postmaster')).toThrow(/without a domain/);
  });
});

describe('reverse rejects', () => {
  const good = fwd.forward('alice@example.org');
  const [, h, tt, dom, local] = good.split('@')[0].split('=');
  it.each([
    ['a tampered hash', withHash(good, tamper(h))],
    ['a tampered original domain', `SRS0=${h}=${tt}=example.com=${local}@fwd.example.net`],
    ['a tampered original local part', `SRS0=${h}=${tt}=${dom}=mallory@fwd.example.net`],
    ['a tampered timestamp', `SRS0=${h}=${tt === 'AA' ? 'AB' : 'AA'}=${dom}=${local}@fwd.example.net`],
    ['a short hash', `SRS0=${h.slice(0, 3)}=${tt}=${dom}=${local}@fwd.example.net`],
    ['a bad timestamp character', `SRS0=${h}=1!=${dom}=${local}@fwd.example.net`],
    ['a missing local part', `SRS0=${h}=${tt}=${dom}=@fwd.example.net`],
    ['an address at our domain that is not SRS', 'alice@fwd.example.net'],
    ['a local part that only starts like SRS', 'SRS0alice@fwd.example.net'],
    ['an SRS address at another domain', good.replace('@fwd.example.net', '@elsewhere.example')],
    ['no domain at all', 'SRS0=abcd=AA=example.org=alice'],
    ['a hash made with another secret', createSrs({ secret: 'other', domain: 'fwd.example.net', now: at(0) }).forward('alice@example.org')],
  ])('%s → null', (_name, address) => {
    expect(fwd.reverse(address)).toBeNull();
  });
});

describe('case folding', () => {
  const good = fwd.forward('Alice@Example.org');
  it.each([
    ['the whole address lowercased by a relay', good.toLowerCase(), 'alice@example.org'],
    ['the whole address uppercased', good.toUpperCase(), 'ALICE@EXAMPLE.ORG'],
    ['only the hash case-flipped', withHash(good, [...hashOf(good)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')), 'Alice@Example.org'],
  ])('%s still reverses', (_name, address, expected) => {
    expect(fwd.reverse(address)).toBe(expected);
  });
});

describe('timestamp age', () => {
  const minted = fwd.forward('alice@example.org');
  it.each([
    [0, true],
    [1, true],
    [21, true],
    [22, false],
    [500, false],
    // 1024 days later the stamp repeats; the paper accepts this wrap-around.
    [1024, true],
    // Minted "tomorrow" from the checker's point of view: a stamp from the previous cycle.
    [-1, false],
  ])('checked %i days later → valid %s', (days, valid) => {
    const later = createSrs({ secret: 'forwarder secret', domain: 'fwd.example.net', now: at(days) });
    expect(later.reverse(minted)).toBe(valid ? 'alice@example.org' : null);
  });

  it('honours maxAgeDays', () => {
    const short = createSrs({ secret: 'forwarder secret', domain: 'fwd.example.net', maxAgeDays: 3, now: at(0) });
    const addr = short.forward('alice@example.org');
    const check = (days: number) => createSrs({ secret: 'forwarder secret', domain: 'fwd.example.net', maxAgeDays: 3, now: at(days) }).reverse(addr);
    expect(check(3)).toBe('alice@example.org');
    expect(check(4)).toBeNull();
  });
});

describe('double forwarding (SRS1)', () => {
  const hop1 = createSrs({ secret: 'first hop', domain: 'hop1.example', now: at(0) });
  const hop2 = createSrs({ secret: 'second hop', domain: 'hop2.example', now: at(0) });
  const hop3 = createSrs({ secret: 'third hop', domain: 'hop3.example', now: at(0) });

  it.each([
    ['plain', 'alice@example.org'],
    ['local part with "=" and "+"', 'a=b+c@example.org'],
  ])('%s: SRS0 becomes SRS1 and reverses hop by hop', (_name, sender) => {
    const once = hop1.forward(sender);
    const twice = hop2.forward(once);
    const opaque = once.slice('SRS0'.length, once.lastIndexOf('@'));
    expect(twice).toMatch(/^SRS1=[A-Za-z0-9+/]{4}=hop1\.example==/);
    expect(twice).toBe(`SRS1=${hashOf(twice)}=hop1.example=${opaque}@hop2.example`);
    expect(hop2.isSrs(twice)).toBe(true);

    // The bounce reaches hop2, which sends it to hop1's SRS0 address; hop1 finds the sender.
    const back = hop2.reverse(twice);
    expect(back).toBe(once);
    expect(hop1.reverse(back!)).toBe(sender);
  });

  it('a third hop keeps the first forwarder, so the bounce skips the middle', () => {
    const once = hop1.forward('alice@example.org');
    const thrice = hop3.forward(hop2.forward(once));
    expect(thrice).toMatch(/^SRS1=[^=]{4}=hop1\.example==/);
    expect(thrice.endsWith('@hop3.example')).toBe(true);
    expect(hop3.reverse(thrice)).toBe(once);
  });

  it('rejects an SRS1 with a tampered hash or first-hop domain', () => {
    const twice = hop2.forward(hop1.forward('alice@example.org'));
    expect(hop2.reverse(withHash(twice, tamper(hashOf(twice))))).toBeNull();
    expect(hop2.reverse(twice.replace('=hop1.example=', '=evil.example='))).toBeNull();
    // hop1 cannot reverse an SRS1 minted by hop2 for hop2's domain.
    expect(hop1.reverse(twice)).toBeNull();
  });

  it('accepts an SRS0 written with a "+" separator (libsrs2 accepts =, + and -)', () => {
    const once = hop1.forward('alice@example.org').replace(/^SRS0=/, 'SRS0+');
    expect(hop1.reverse(once)).toBe('alice@example.org');
    const twice = hop2.forward(once);
    expect(twice).toMatch(/^SRS1=[^=]{4}=hop1\.example=\+/);
    expect(hop2.reverse(twice)).toBe(once);
  });
});

describe('isSrs', () => {
  it.each([
    ['SRS0=abcd=AA=example.org=alice@fwd.example.net', true],
    ['srs0=abcd=AA=example.org=alice@fwd.example.net', true],
    ['SRS1=abcd=hop1.example==abcd=AA=example.org=alice@x.example', true],
    ['SRS0-abcd-AA@x.example', true],
    ['alice@fwd.example.net', false],
    ['SRS2=abcd@x.example', false],
    ['', false],
  ])('%s → %s', (address, expected) => {
    expect(fwd.isSrs(address)).toBe(expected);
  });
});

describe('options', () => {
  it.each([
    ['an empty secret', { secret: '', domain: 'fwd.example.net' }],
    ['an empty domain', { secret: 's', domain: '' }],
    ['a zero max age', { secret: 's', domain: 'fwd.example.net', maxAgeDays: 0 }],
    ['a max age beyond the stamp cycle', { secret: 's', domain: 'fwd.example.net', maxAgeDays: 1024 }],
  ])('refuses %s', (_name, options) => {
    expect(() => createSrs(options)).toThrow();
  });
});
