# An independent DKIM verifier for the tests: dkimpy (Debian python3-dkim; Ed25519 needs
# python3-nacl) over the message on stdin, the key records looked up with dnslib at the
# loopback DNS server named on the command line, so the key really comes from DNS.
# Prints one JSON object: {"ok": bool, "d": ..., "s": ..., "a": ..., "h": [...]}.
import json
import re
import sys

import dkim
from dnslib import QTYPE, DNSRecord

host, port = sys.argv[1].rsplit(':', 1)


def dnsfunc(name, timeout=5):
    query = DNSRecord.question(name.decode('ascii').rstrip('.'), 'TXT')
    answer = DNSRecord.parse(query.send(host, int(port), timeout=timeout))
    for rr in answer.rr:
        if rr.rtype == QTYPE.TXT:
            return b''.join(rr.rdata.data)
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
