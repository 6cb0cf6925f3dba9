#!/usr/bin/env python3
# Groups the byte[] of a heap dump (jcmd PID GC.heap_dump F) by content: which strings a connection keeps.
# Usage: python3 hprof-bytes.py F   (prints groups of >= 500 arrays: count, bytes, bytes each, first 40 bytes)
import struct, sys, collections, re
f = open(sys.argv[1], 'rb'); data = f.read()
i = data.index(b'\0') + 1
idsz = struct.unpack('>I', data[i:i+4])[0]; i += 12
idfmt = '>Q' if idsz == 8 else '>I'
sizes = {2: idsz, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
groups = collections.defaultdict(lambda: [0, 0])
def norm(b):
    s = b[:40].decode('latin1')
    s = re.sub(r'[0-9]', '9', s)
    s = re.sub(r'[A-Za-z_\-]{20,}', 'LONGTOKEN', s)
    return s
while i < len(data):
    tag = data[i]; length = struct.unpack('>I', data[i+5:i+9])[0]; body = i + 9; end = body + length; i = end
    if tag not in (0x0C, 0x1C): continue
    j = body
    while j < end:
        st = data[j]; j += 1
        if st == 0xFF: j += idsz
        elif st == 0x01: j += 2*idsz
        elif st == 0x02: j += idsz + 8
        elif st == 0x03: j += idsz + 8
        elif st == 0x04: j += idsz + 4
        elif st == 0x05: j += idsz
        elif st == 0x06: j += idsz + 4
        elif st == 0x07: j += idsz
        elif st == 0x08: j += idsz + 8
        elif st == 0x20:
            j += idsz + 4 + 6*idsz + 4
            cp = struct.unpack('>H', data[j:j+2])[0]; j += 2
            for _ in range(cp):
                t = data[j+2]; j += 3 + sizes[t]
            ns = struct.unpack('>H', data[j:j+2])[0]; j += 2
            for _ in range(ns):
                t = data[j+idsz]; j += idsz + 1 + sizes[t]
            nf = struct.unpack('>H', data[j:j+2])[0]; j += 2 + nf*(idsz+1)
        elif st == 0x21:
            j += idsz + 4 + idsz; n = struct.unpack('>I', data[j:j+4])[0]; j += 4 + n
        elif st == 0x22:
            j += idsz + 4; n = struct.unpack('>I', data[j:j+4])[0]; j += 4 + idsz + n*idsz
        elif st == 0x23:
            j += idsz + 4; n = struct.unpack('>I', data[j:j+4])[0]; t = data[j+4]; j += 5
            nb = n*sizes[t]
            if t == 8:
                g = groups[norm(data[j:j+nb])]; g[0] += 1; g[1] += 16 + ((n + 7)//8)*8
            j += nb
        else:
            raise Exception('unknown subtag %x at %d' % (st, j))
rows = sorted(groups.items(), key=lambda kv: -kv[1][1])
for k, (c, b) in rows[:40]:
    if c >= 500: print('%7d %9d %6.0f  %r' % (c, b, b/c, k))
