// zone.contains(ip): the pure matcher the policy engine uses, at the edges of every kind of
// entry (first and last address, one below and one above), /0, /32, /128, ranges, IPv6 and
// IPv4-mapped IPv6, and the strict parser that validates zone entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressSet, AddressSyntaxError, compileZone, parseIp, parseZoneAddress } from '../src/domain/zones/ip-match.ts';
import type { ZoneAddress } from '../src/domain/zones/ip-match.ts';

const cidr = (value: string): ZoneAddress => ({ type: 'CIDR', value });
const range = (value: string): ZoneAddress => ({ type: 'RANGE', value });

function zone(gateways: ZoneAddress[], proxies: ZoneAddress[] = []) {
  return compileZone({ gateways, proxies });
}

describe('zone.contains: IPv4 CIDR', () => {
  const z = zone([cidr('10.0.0.0/8')]);
  it('first and last address are in, one below and one above are out', () => {
    assert.equal(z.contains('10.0.0.0'), true);
    assert.equal(z.contains('10.255.255.255'), true);
    assert.equal(z.contains('9.255.255.255'), false);
    assert.equal(z.contains('11.0.0.0'), false);
  });

  it('host bits in the entry are ignored, as in Okta\'s own example 1.2.3.4/24', () => {
    const y = zone([cidr('1.2.3.4/24')]);
    assert.equal(y.contains('1.2.3.0'), true);
    assert.equal(y.contains('1.2.3.255'), true);
    assert.equal(y.contains('1.2.2.255'), false);
    assert.equal(y.contains('1.2.4.0'), false);
  });

  it('/32 is one address', () => {
    const y = zone([cidr('192.168.1.7/32')]);
    assert.equal(y.contains('192.168.1.7'), true);
    assert.equal(y.contains('192.168.1.6'), false);
    assert.equal(y.contains('192.168.1.8'), false);
  });

  it('/0 is every IPv4 address and no IPv6 one', () => {
    const y = zone([cidr('0.0.0.0/0')]);
    assert.equal(y.contains('0.0.0.0'), true);
    assert.equal(y.contains('255.255.255.255'), true);
    assert.equal(y.contains('2001:db8::1'), false);
  });

  it('/31 and /1 at the top of the space', () => {
    assert.equal(zone([cidr('255.255.255.254/31')]).contains('255.255.255.255'), true);
    assert.equal(zone([cidr('255.255.255.254/31')]).contains('255.255.255.253'), false);
    const upper = zone([cidr('128.0.0.0/1')]);
    assert.equal(upper.contains('128.0.0.0'), true);
    assert.equal(upper.contains('127.255.255.255'), false);
  });
});

describe('zone.contains: IPv4 ranges', () => {
  const z = zone([range('1.2.3.4-1.2.3.10')]);
  it('bounds are inclusive', () => {
    assert.equal(z.contains('1.2.3.4'), true);
    assert.equal(z.contains('1.2.3.10'), true);
    assert.equal(z.contains('1.2.3.3'), false);
    assert.equal(z.contains('1.2.3.11'), false);
  });

  it('a single address is a range of one', () => {
    const y = zone([range('8.8.8.8')]);
    assert.equal(y.contains('8.8.8.8'), true);
    assert.equal(y.contains('8.8.8.9'), false);
  });

  it('a range across octets', () => {
    const y = zone([range('10.0.0.250-10.0.1.5')]);
    assert.equal(y.contains('10.0.0.255'), true);
    assert.equal(y.contains('10.0.1.0'), true);
    assert.equal(y.contains('10.0.1.6'), false);
  });

  it('the whole space as a range', () => {
    const y = zone([range('0.0.0.0-255.255.255.255')]);
    assert.equal(y.contains('0.0.0.0'), true);
    assert.equal(y.contains('255.255.255.255'), true);
  });
});

describe('zone.contains: IPv6', () => {
  it('a /32 prefix: first, last, one below, one above', () => {
    const z = zone([cidr('2001:db8::/32')]);
    assert.equal(z.contains('2001:db8::'), true);
    assert.equal(z.contains('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(z.contains('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff'), false);
    assert.equal(z.contains('2001:db9::'), false);
  });

  it('/128 is one address; spelling does not matter', () => {
    const z = zone([cidr('2001:db8::1/128')]);
    assert.equal(z.contains('2001:0db8:0000:0000:0000:0000:0000:0001'), true);
    assert.equal(z.contains('2001:DB8::1'), true);
    assert.equal(z.contains('2001:db8::2'), false);
    assert.equal(z.contains('2001:db8::'), false);
  });

  it('/0 is every IPv6 address and no IPv4 one', () => {
    const z = zone([cidr('::/0')]);
    assert.equal(z.contains('::'), true);
    assert.equal(z.contains('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(z.contains('1.2.3.4'), false);
  });

  it('ranges are inclusive at both ends', () => {
    const z = zone([range('2001:db8::10-2001:db8::20')]);
    assert.equal(z.contains('2001:db8::10'), true);
    assert.equal(z.contains('2001:db8::20'), true);
    assert.equal(z.contains('2001:db8::f'), false);
    assert.equal(z.contains('2001:db8::21'), false);
  });

  it('the top of the space', () => {
    const z = zone([cidr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127')]);
    assert.equal(z.contains('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(z.contains('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd'), false);
  });
});

describe('zone.contains: IPv4-mapped IPv6', () => {
  it('::ffff:a.b.c.d matches IPv4 entries, at their edges', () => {
    const z = zone([cidr('10.0.0.0/8'), range('1.2.3.4-1.2.3.10')]);
    assert.equal(z.contains('::ffff:10.0.0.0'), true);
    assert.equal(z.contains('::ffff:10.255.255.255'), true);
    assert.equal(z.contains('::ffff:11.0.0.0'), false);
    assert.equal(z.contains('::ffff:1.2.3.4'), true);
    assert.equal(z.contains('::FFFF:1.2.3.10'), true);
    assert.equal(z.contains('::ffff:1.2.3.11'), false);
    assert.equal(z.contains('::ffff:a02:1'), true, 'hex spelling of 10.2.0.1');
  });

  it('other embedded forms are IPv6 addresses, not IPv4', () => {
    const z = zone([cidr('10.0.0.0/8')]);
    assert.equal(z.contains('::10.0.0.1'), false, 'IPv4-compatible (deprecated) is not mapped');
    assert.equal(z.contains('64:ff9b::10.0.0.1'), false);
  });

  it('mapped addresses still match IPv6 entries that cover them', () => {
    const z = zone([cidr('::ffff:0:0/96')]);
    assert.equal(z.contains('::ffff:1.2.3.4'), true);
    assert.equal(z.contains('1.2.3.4'), false, 'an IPv4 client is not in an IPv6-only zone');
  });
});

describe('zone.contains: lists', () => {
  it('overlapping and adjacent entries merge without changing the answer', () => {
    const z = zone([cidr('10.0.0.0/24'), range('10.0.1.0-10.0.1.255'), cidr('10.0.0.128/25'), range('10.0.3.0-10.0.3.0')]);
    for (const ip of ['10.0.0.0', '10.0.0.200', '10.0.1.255', '10.0.3.0']) assert.equal(z.contains(ip), true, ip);
    for (const ip of ['9.255.255.255', '10.0.2.0', '10.0.2.255', '10.0.3.1']) assert.equal(z.contains(ip), false, ip);
  });

  it('many entries: every one found by binary search', () => {
    const entries = Array.from({ length: 150 }, (_, i) => cidr(`10.${i}.0.0/16`));
    const z = zone(entries.reverse());
    for (let i = 0; i < 150; i++) {
      assert.equal(z.contains(`10.${i}.255.255`), true);
      assert.equal(z.contains(`10.${i}.0.0`), true);
    }
    assert.equal(z.contains('10.150.0.0'), false);
  });

  it('gateways and proxies are separate sets', () => {
    const z = zone([cidr('1.1.1.0/24')], [range('2.2.2.2')]);
    assert.equal(z.contains('1.1.1.1'), true);
    assert.equal(z.containsProxy('1.1.1.1'), false);
    assert.equal(z.contains('2.2.2.2'), false);
    assert.equal(z.containsProxy('2.2.2.2'), true);
  });

  it('an empty or null list contains nothing', () => {
    assert.equal(compileZone({ gateways: null, proxies: null }).contains('1.2.3.4'), false);
    assert.equal(AddressSet.of([]).empty, true);
  });

  it('text that is not an IP address is in no zone', () => {
    const z = zone([cidr('0.0.0.0/0'), cidr('::/0')]);
    for (const ip of ['', 'localhost', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4/32', 'fe80::1%eth0', ' 1.2.3.4', '::g']) {
      assert.equal(z.contains(ip), false, JSON.stringify(ip));
    }
  });
});

describe('parsing zone entries', () => {
  const refused = (address: ZoneAddress) =>
    assert.throws(() => parseZoneAddress(address), (e: unknown) => e instanceof AddressSyntaxError, `${address.type} ${address.value}`);

  it('accepts the forms Okta documents', () => {
    assert.deepEqual(parseZoneAddress(cidr('10.0.0.0/8')), { family: 4, first: 0x0a000000, last: 0x0affffff });
    assert.deepEqual(parseZoneAddress(range('1.2.3.4-1.2.3.10')), { family: 4, first: 0x01020304, last: 0x0102030a });
    assert.deepEqual(parseZoneAddress(cidr('::/0')), { family: 6, first: 0n, last: (1n << 128n) - 1n });
    assert.equal(parseZoneAddress(range('8.8.8.8')).family, 4);
  });

  it('refuses malformed entries', () => {
    for (const bad of [
      cidr('10.0.0.0'),
      cidr('10.0.0.0/33'),
      cidr('10.0.0.0/-1'),
      cidr('10.0.0.0/'),
      cidr('10.0.0/8'),
      cidr('2001:db8::/129'),
      cidr('10.0.0.0/8 '),
      cidr('1.2.3.4-1.2.3.5'),
      range('1.2.3.10-1.2.3.4'),
      range('1.2.3.4-2001:db8::1'),
      range('1.2.3.4-'),
      range('1.2.3.4-1.2.3.5-1.2.3.6'),
      range('15.5.6.7/24-15.5.6.9'),
      range('256.1.1.1'),
      range(''),
      range('example.com'),
    ]) {
      refused(bad);
    }
  });

  it('parseIp: IPv4 as 32 bits, IPv6 as 128', () => {
    assert.deepEqual(parseIp('255.255.255.255'), { family: 4, value: 0xffffffff });
    assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
    assert.deepEqual(parseIp('1:2:3:4:5:6:1.2.3.4'), { family: 6, value: 0x0001000200030004000500060102_0304n });
    assert.equal(parseIp('nonsense'), undefined);
  });
});
