# An independent DKIM verifier for the tests: dkimpy (Debian python3-dkim, which brings
# python3-nacl for Ed25519 and python3-dnspython) over the message on stdin, the key records
# looked up with dnspython at the loopback DNS server named on the command line, so the key
# really comes from DNS.
# Prints one JSON object: {"ok": bool, "d": ..., "s": ..., "a": ..., "h": [...]}.
import json
import re
import sys

import dkim
import dns.message
import dns.query
import dns.rdatatype

host, port = sys.argv[1].rsplit(':', 1)


def dnsfunc(name, timeout=5):
    query = dns.message.make_query(name.decode('ascii'), dns.rdatatype.TXT)
    answer = dns.query.udp(query, host, port=int(port), timeout=timeout)
    for rrset in answer.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            for rdata in rrset:
                return b''.join(rdata.strings)
    return b''


message = sys.stdin.buffer.read()
ok = dkim.verify(message, dnsfunc=dnsfunc)
tags = {}
m = re.search(rb'^DKIM-Signature:(.*?)\r\n(?![ \t])', message, re.S | re.M | re.I)
if m:
    for part in re.sub(rb'\s+', b'', m.group(1)).split(b';'):
        if b'=' in part:
            k, v = part.split(b'=', 1)
            tags[k.decode()] = v.decode()
print(json.dumps({'ok': bool(ok), 'd': tags.get('d'), 's': tags.get('s'), 'a': tags.get('a'), 'h': tags.get('h', '').lower().split(':')}))
