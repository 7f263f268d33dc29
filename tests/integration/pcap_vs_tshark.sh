#!/bin/sh
# pcap_vs_tshark: for every capture in $SHARED/testdata/pcap/, runs it through
# the agent's packet path (classband-agent --replay FILE --classes CSV
# --output -, or tests/tools/replaysum when the agent is not built) with the
# class map tests/data/pcap/NAME.classes.csv, and compares every per class,
# per minute row (bytes and packets up and down, peak 1-second rate, devices)
# and every capture row (frames seen, egress bytes, unclassified) with the
# same figures computed independently from tshark's dissection of the file.
#
# The rule both sides implement (the tshark side below in Python, with the
# ipaddress module, sharing no code with the agent):
# - only the OUTER IP header counts: the first IPv4/IPv6 layer, reached
#   through nothing but Ethernet, VLAN tags, PPPoE or Linux cooked headers
#   (an IP layer behind MPLS, GRE, CAPWAP, ... is not looked at); GRE and
#   CAPWAP tunnels thus count as their endpoints' traffic, and IP fragments
#   each as their own packet;
# - bytes = IPv4 total length, or IPv6 payload length + 40;
# - never egress: Ethernet group destination, Linux cooked broadcast or
#   multicast, IPv4 224/4 and 255.255.255.255, IPv6 ff00::/8;
# - local = in a class prefix, or in 10/8, 172.16/12, 192.168/16, fc00::/7,
#   fe80::/10; up = local -> non-local, down = non-local -> local;
# - class = the VLAN rule of the innermost tag of the outer tag stack, else
#   the longest class prefix holding the local address, else unclassified;
# - device = the local side's MAC (Ethernet source when up, destination when
#   down), else the local IP;
# - minute = packet time floored to 60 s; a packet stamped before the open
#   minute counts in it, in the second of the latest in-minute packet;
# - IPv4 with a header length below 20 or a total length below it, or with
#   its addresses not captured, is malformed and not counted.
. "$(dirname "$0")/../lib.sh"

command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
PCAPS=$SHARED/testdata/pcap
[ -d "$PCAPS" ] || skip "no $PCAPS"
MAPS=$TOP/tests/data/pcap

if [ "${PCAP_AGENT:-}" != replaysum ] && [ -x "$B/classband-agent" ]; then
    run_agent() { "$B/classband-agent" --replay "$1" --classes "$2" --output -; }
    using=classband-agent
elif [ -x "$B/tools/replaysum" ]; then
    run_agent() { "$B/tools/replaysum" --classes "$2" "$1"; }
    using=replaysum
else
    fail "neither $B/classband-agent nor $B/tools/replaysum is built"
fi
echo "agent side: $using"

cat > "$T/oracle.py" <<'PYEOF'
import csv, ipaddress, json, sys

LOCAL = -2


def load_classes(path):
    prefixes, vlans, first = [], {}, True
    with open(path, encoding="utf-8-sig") as f:
        lines = [l for l in f if l.strip() and not l.lstrip().startswith("#")]
    for row in csv.reader(lines):
        name, target = row[0].strip(), row[1].strip()
        if first and name.lower() == "class" and target.lower() == "prefix":
            first = False
            continue
        first = False
        if target.lower().startswith("vlan:"):
            vlans[int(target[5:])] = name
        else:
            prefixes.append((ipaddress.ip_network(target), name))
    return prefixes, vlans


DEFAULT_LOCAL = [ipaddress.ip_network(n) for n in
                 ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                  "fc00::/7", "fe80::/10")]
PASS_THROUGH = {"eth", "ethertype", "vlan", "pppoes", "ppp", "sll"}


def oracle(classes_csv, tsv):
    prefixes, vlans = load_classes(classes_csv)
    cache = {}

    def lookup(s):
        if s in cache:
            return cache[s]
        a = ipaddress.ip_address(s)
        best = None
        for net, name in prefixes:
            if net.version == a.version and a in net and \
                    (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, name)
        if best:
            r = best[1]
        elif any(net.version == a.version and a in net
                 for net in DEFAULT_LOCAL):
            r = LOCAL
        else:
            r = None
        cache[s] = r
        return r

    minutes = {}
    open_m, cur = None, 0
    for line in open(tsv, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        f += [""] * (14 - len(f))
        (ts, protos, edst, esrc, vids, src4, dst4, len4, hl4, ver4,
         src6, dst6, plen6, sllpt) = f[:14]
        first = lambda v: v.split(",")[0] if v else ""
        sec = int(ts.split(".")[0])
        m = sec - sec % 60
        if open_m is None or m > open_m:
            open_m = m
            cur = sec - m
        elif m == open_m:
            cur = sec - m
        M = minutes.setdefault(open_m, {"pkts_seen": 0, "egress_bytes": 0,
                                        "unclassified_pkts": 0,
                                        "unclassified_bytes": 0,
                                        "classes": {}})
        M["pkts_seen"] += 1
        pl = protos.split(":")
        k, nvlan = 0, 0
        while k < len(pl) and pl[k] in PASS_THROUGH:
            nvlan += pl[k] == "vlan"
            k += 1
        if k >= len(pl) or pl[k] not in ("ip", "ipv6"):
            continue
        if pl[k] == "ip":
            src, dst = first(src4), first(dst4)
            if not src or not dst or first(ver4) != "4":
                continue
            hl, tl = int(first(hl4) or 0), int(first(len4) or 0)
            if hl < 20 or tl < hl:
                continue
            nbytes = tl
            d = ipaddress.ip_address(dst)
            group = d.is_multicast or dst == "255.255.255.255"
        else:
            src, dst = first(src6), first(dst6)
            if not src or not dst:
                continue
            nbytes = int(first(plen6)) + 40
            group = ipaddress.ip_address(dst).is_multicast
        em = first(edst)
        if em and int(em.split(":")[0], 16) & 1:
            group = True
        if first(sllpt) in ("1", "2"):
            group = True
        if group:
            continue
        sc, dc = lookup(src), lookup(dst)
        if (sc is None) == (dc is None):
            continue  # internal or foreign
        if sc is not None:
            d, cls, dev = 0, sc, first(esrc) or src
        else:
            d, cls, dev = 1, dc, first(edst) or dst
        if nvlan:
            vl = vids.split(",")
            if len(vl) >= nvlan and int(vl[nvlan - 1]) in vlans:
                cls = vlans[int(vl[nvlan - 1])]
        M["egress_bytes"] += nbytes
        if cls == LOCAL:
            M["unclassified_pkts"] += 1
            M["unclassified_bytes"] += nbytes
            continue
        C = M["classes"].setdefault(cls, {"b": [0, 0], "p": [0, 0],
                                          "s": [[0] * 60, [0] * 60],
                                          "dev": set()})
        C["b"][d] += nbytes
        C["p"][d] += 1
        C["s"][d][cur] += nbytes
        C["dev"].add(dev)
    out = {}
    for m, M in minutes.items():
        rows = {}
        for name, C in M["classes"].items():
            rows[name] = [C["b"][0], C["b"][1], C["p"][0], C["p"][1],
                          max(C["s"][0]) * 8, max(C["s"][1]) * 8,
                          len(C["dev"])]
        out[m] = {"cap": [M["pkts_seen"], M["egress_bytes"],
                          M["unclassified_pkts"], M["unclassified_bytes"]],
                  "rows": rows}
    return out


def agent(jsonl):
    out = {}
    for line in open(jsonl, encoding="utf-8"):
        if not line.strip():
            continue
        r = json.loads(line)
        M = out.setdefault(r["ts"], {"cap": None, "rows": {}})
        if "class" in r:
            M["rows"][r["class"]] = [r["bytes_up"], r["bytes_down"],
                                     r["pkts_up"], r["pkts_down"],
                                     r["peak_up_bps"], r["peak_down_bps"],
                                     r["devices"]]
        elif "capture" in r:
            M["cap"] = [r["pkts_seen"], r["egress_bytes"],
                        r["unclassified_pkts"], r["unclassified_bytes"]]
    return out


def main():
    name, classes_csv, tsv, jsonl = sys.argv[1:5]
    want, got = oracle(classes_csv, tsv), agent(jsonl)
    bad = 0
    for m in sorted(set(want) | set(got)):
        w, g = want.get(m), got.get(m)
        if w is None or g is None:
            print("  %s minute %d: only on the %s side"
                  % (name, m, "tshark" if g is None else "agent"))
            bad += 1
            continue
        if w["cap"] != g["cap"]:
            print("  %s minute %d capture row: tshark %s agent %s "
                  "[seen, egress_bytes, uncl_pkts, uncl_bytes]"
                  % (name, m, w["cap"], g["cap"]))
            bad += 1
        for c in sorted(set(w["rows"]) | set(g["rows"])):
            if w["rows"].get(c) != g["rows"].get(c):
                print("  %s minute %d class %s: tshark %s agent %s "
                      "[b_up, b_down, p_up, p_down, peak_up, peak_down, dev]"
                      % (name, m, c, w["rows"].get(c), g["rows"].get(c)))
                bad += 1
    tot = [0, 0, 0, 0]
    for M in want.values():
        for r in M["rows"].values():
            for i in range(4):
                tot[i] += r[i]
    frames = sum(M["cap"][0] for M in want.values())
    print("%-44s %6d frames %4d minutes  up %9d B %6d p  down %9d B %6d p  %s"
          % (name, frames, len(want), tot[0], tot[2], tot[1], tot[3],
             "ok" if bad == 0 else "%d MISMATCHES" % bad))
    with open(jsonl + ".egress", "w") as f:
        f.write("%d\n" % (tot[0] + tot[1]))
    sys.exit(1 if bad else 0)


main()
PYEOF

nfail=0; nfiles=0; egress=0
for pcap in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
    [ -f "$pcap" ] || continue
    name=$(basename "$pcap"); name=${name%.pcap}; name=${name%.pcapng}
    map=$MAPS/$name.classes.csv
    if [ ! -f "$map" ]; then
        echo "FAIL: no class map $map for $pcap (add one, with a comment why)"
        nfail=$((nfail + 1)); continue
    fi
    nfiles=$((nfiles + 1))
    timeout 120 tshark -n -r "$pcap" -T fields -E separator=/t \
        -E occurrence=a -E aggregator=, \
        -e frame.time_epoch -e frame.protocols -e eth.dst -e eth.src \
        -e vlan.id -e ip.src -e ip.dst -e ip.len -e ip.hdr_len \
        -e ip.version -e ipv6.src -e ipv6.dst -e ipv6.plen \
        -e sll.pkttype > "$T/$name.tsv" 2> "$T/$name.tshark.err" ||
        fail "tshark failed on $pcap: $(tail -n 3 "$T/$name.tshark.err")"
    if ! run_agent "$pcap" "$map" > "$T/$name.jsonl" 2> "$T/$name.agent.err"
    then
        cat "$T/$name.agent.err"
        fail "$using failed on $pcap"
    fi
    python3 "$T/oracle.py" "$name" "$map" "$T/$name.tsv" "$T/$name.jsonl" ||
        nfail=$((nfail + 1))
    egress=$((egress + $(cat "$T/$name.jsonl.egress")))
done
[ "$nfiles" -gt 0 ] || skip "no captures in $PCAPS"
# The comparison means nothing if no file had any egress at all.
[ "$egress" -gt 0 ] || fail "no egress bytes in any capture: class maps wrong?"
[ "$nfail" -eq 0 ] || fail "$nfail capture(s) differ from tshark"
echo "all $nfiles captures agree with tshark"
