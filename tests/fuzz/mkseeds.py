#!/usr/bin/env python3
"""Writes the binary seed corpora of fuzz_wire and fuzz_packet into
tests/fuzz/corpus/ (committed; rerun only when a format changes). The text
seeds (conf, registry_csv, pack) are written by hand. Formats: common/wire.h,
docs/PROTOCOL.md, tests/fuzz/fuzz_packet.c."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def put(sub, name, data):
    d = os.path.join(here, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def s(x):
    b = x.encode()
    return struct.pack(">H", len(b)) + b


def frame(t, payload):
    return struct.pack(">IBBH", len(payload), 1, t, 0) + payload


def rec(t, body):
    return struct.pack(">BH", t, len(body)) + body


def batch(stream, seq, recs):
    return struct.pack(">QQI", stream, seq, len(recs)) + b"".join(recs)


MIN = 1764000000 - 1764000000 % 60
class_min = rec(1, struct.pack(">Q", MIN) + s("一年级1班") +
                struct.pack(">QQQQQQI", 1000, 2000, 10, 20, 8000, 16000, 3))
capture_min = rec(2, struct.pack(">Q", MIN) + s("eth1") +
                  struct.pack(">9Q", 30, 30, 0, 0, 31, 4000, 3000, 1, 60))
status = rec(3, struct.pack(">5Q", MIN, 2, 0, 0, 3600))
snmp_poll = rec(10, struct.pack(">q", MIN) + s("wlc") + s("cisco-wlc") +
                s("") + struct.pack(">BBIII", 1, 0, 120, 60, 123456) +
                struct.pack(">IIII", 3, 2, 1, 0) +
                struct.pack(">6Q", 3, 2, 40, 0, 0, 300))
snmp_ap = rec(11, struct.pack(">q", MIN) + s("wlc") + s("AP-101") +
              s("r101") + struct.pack(">B6sBB", 1, b"\x00\x11\x22\x33\x44\x55",
                                       1, 1) + struct.pack(">QQ", 12, 866))
snmp_if = rec(12, struct.pack(">q", MIN) + s("sw") + s("Gi0/1") + s("uplink")
              + struct.pack(">IBBI", 1, 1, 1, 60) +
              struct.pack(">QQQ", 1000, 123456, 654321))
snmp_area = rec(13, struct.pack(">qI", MIN, 300) + s("r101") +
                struct.pack(">BBHHH", 1, 1, 1, 1, 0))

hello = frame(1, s("agent-hf001") + s("HF001") + s("0.1.0") +
              s("0b8e7e0c-boot") + struct.pack(">Q", 7))
ack = frame(3, struct.pack(">QQ", 7, 42))
err = frame(5, struct.pack(">H", 3) + s("school not registered"))
cfg = frame(4, struct.pack(">QB", 5, 3) +
            struct.pack(">BI", 1, 0) +  # filled below
            b"")
cm_text = b"class,prefix\n\"1,1\",10.1.1.0/24\nstaff,vlan:200\n" \
          b"lab,2001:db8::/48\n"
am_text = b"area,required,ap\nr101,1,AP-101\nyard,0,\n"
st_text = b"window 4\n"
cfg = frame(4, struct.pack(">QB", 5, 3) +
            struct.pack(">BI", 1, len(cm_text)) + cm_text +
            struct.pack(">BI", 2, len(am_text)) + am_text +
            struct.pack(">BI", 3, len(st_text)) + st_text)

# first byte of every wire seed: frame limit in 4 KiB units (0 = 0 bytes!)
lim = b"\xff"
put("wire", "hello", lim + hello)
put("wire", "ack", lim + ack)
put("wire", "error", lim + err)
put("wire", "config", lim + cfg)
put("wire", "batch_traffic",
    lim + frame(2, batch(7, 1, [class_min, capture_min, status])))
put("wire", "batch_snmp",
    lim + frame(2, batch(7, 2, [snmp_poll, snmp_ap, snmp_if, snmp_area])))
put("wire", "session", lim + hello + frame(2, batch(7, 3, [class_min])) +
    ack + cfg + err)
put("wire", "small_limit", b"\x01" + frame(2, batch(7, 4, [status] * 3)))

# fuzz_packet: records of u8 dlt selector | u32 ts | u8 ts high | u16 len |
# frame (see fuzz_packet.c for the selector -> DLT table)
def pkt(sel, ts, fr):
    return struct.pack(">BIBH", sel, ts & 0xffffffff, ts >> 32,
                       len(fr)) + fr


def ip4(src, dst, proto=6, payload=b"\x00" * 20):
    tot = 20 + len(payload)
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    return h + payload


def ip6(src, dst, payload=b"\x00" * 20):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), 6, 64,
                       bytes(src), bytes(dst)) + payload


SMAC = b"\x00\x11\x22\x33\x44\x55"
DMAC = b"\x00\xaa\xbb\xcc\xdd\xee"
LAN = [10, 1, 1, 23]
WAN = [93, 184, 216, 34]
LAN6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [5]
WAN6 = [0x26, 0x06, 0x28, 0x00] + [0] * 11 + [9]


def eth(et, body, smac=SMAC, dmac=DMAC):
    return dmac + smac + struct.pack(">H", et) + body


def vlan(vid, et, body, tpid=0x8100):
    return struct.pack(">HHH", tpid, vid, et) + body


up4 = eth(0x0800, ip4(LAN, WAN))
down4 = eth(0x0800, ip4(WAN, LAN))
up6 = eth(0x86dd, ip6(LAN6, WAN6))
tagged = DMAC + SMAC + vlan(200, 0x0800, ip4([10, 9, 9, 9], WAN))
qinq = DMAC + SMAC + struct.pack(">HH", 0x88a8, 10) + \
    vlan(200, 0x0800, ip4(WAN, [10, 9, 9, 9]))
pppoe = eth(0x8864, struct.pack(">BBHH", 0x11, 0, 1, 22) +
            struct.pack(">H", 0x0021) + ip4(LAN, WAN))
bcast = eth(0x0800, ip4(LAN, [255, 255, 255, 255]), dmac=b"\xff" * 6)
arp = eth(0x0806, b"\x00\x01\x08\x00\x06\x04\x00\x01" + SMAC + bytes(LAN) +
          b"\x00" * 6 + bytes([10, 1, 1, 1]))
sll = struct.pack(">HHH", 0, 1, 6) + SMAC + b"\x00\x00" + \
    struct.pack(">H", 0x0800) + ip4(LAN, WAN)
sll2 = struct.pack(">HHIHBB", 0x0800, 0, 2, 1, 0, 6) + SMAC + b"\x00\x00" + \
    ip4(WAN, LAN)
raw4 = ip4(LAN, WAN)
raw6 = ip6(WAN6, LAN6)
gre = eth(0x0800, ip4(LAN, WAN, proto=47, payload=b"\x00\x00\x88\xbe" +
                      b"\x00" * 40))
T = 1764000000
put("packet", "eth_up_down", pkt(0, T, up4) + pkt(0, T + 1, down4) +
    pkt(0, T + 61, up6))
put("packet", "vlan_qinq", pkt(0, T, tagged) + pkt(0, T, qinq))
put("packet", "pppoe", pkt(0, T, pppoe))
put("packet", "group_arp", pkt(0, T, bcast) + pkt(0, T, arp))
put("packet", "sll", pkt(1, T, sll) + pkt(2, T + 1, sll2))
put("packet", "raw", pkt(3, T, raw4) + pkt(5, T, raw6) + pkt(4, T, raw4))
put("packet", "gre", pkt(0, T, gre))
put("packet", "late", pkt(0, T + 120, up4) + pkt(0, T, down4) +
    pkt(0, T + 3600, up4))
