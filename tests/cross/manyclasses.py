#!/usr/bin/env python3
"""Writes a capture of a school with N classes (default 500), its class map
and the per-class totals, for the agent's memory measurement at district
scale (tests/integration/cross_agent_rss.sh). The totals are computed here
from what is written, so they check the agent's counts too.

Class c has the local /24 10.(20 + c // 250).(c % 250).0 and three hosts;
every minute each host sends and receives a few UDP packets to and from
remote hosts in 203.0.113.0/24 and 198.51.100.0/24.

Usage: manyclasses.py OUT.pcap CLASSES.csv EXPECTED.json [N] [MINUTES]
"""
import json
import random
import struct
import sys


def ipsum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, payload_len, ident):
    total = 20 + 8 + payload_len
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0,
                      64, 17, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", ipsum(hdr)) + hdr[12:]
    udp = struct.pack("!HHHH", 40000 + ident % 1000, 443, 8 + payload_len, 0)
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + \
        b"\x08\x00"
    return eth + hdr + udp + bytes(payload_len), total


def main():
    out, csv, expected = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    minutes = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    rnd = random.Random(500)
    start = 1788220800  # 2026-09-01T00:00:00Z
    totals = {}
    names = ["class-%03d" % c for c in range(n)]
    with open(csv, "w", encoding="utf-8") as f:
        f.write("class,prefix\n")
        for c in range(n):
            f.write("%s,10.%d.%d.0/24\n" % (names[c], 20 + c // 250, c % 250))
    pkts = []
    ident = 0
    for m in range(minutes):
        for c in range(n):
            t = totals.setdefault(names[c], [0, 0, 0, 0])
            for h in range(3):
                local = [10, 20 + c // 250, c % 250, 10 + h]
                for k in range(4):
                    remote = [203, 0, 113, 1 + rnd.randrange(200)] if k % 2 \
                        else [198, 51, 100, 1 + rnd.randrange(200)]
                    ts = start + m * 60 + rnd.random() * 59.9
                    up = k < 2
                    ident += 1
                    data, iplen = frame(local if up else remote,
                                        remote if up else local,
                                        rnd.randrange(20, 1400), ident)
                    pkts.append((ts, data))
                    if up:
                        t[0] += iplen
                        t[2] += 1
                    else:
                        t[1] += iplen
                        t[3] += 1
    pkts.sort(key=lambda p: p[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, data in pkts:
            sec = int(ts)
            usec = int((ts - sec) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)
    with open(expected, "w", encoding="utf-8") as f:
        json.dump({"classes": [{"class": k, "bytes_up": v[0],
                                "bytes_down": v[1], "pkts_up": v[2],
                                "pkts_down": v[3]}
                               for k, v in sorted(totals.items())],
                   "packets": len(pkts), "minutes": minutes}, f, indent=1)


if __name__ == "__main__":
    main()
