#!/usr/bin/env python3
"""Writes the demo district: 12 schools of 合肥市 (urban and county), their
registry CSVs, and a plan line per school for tests/demo.sh.

Usage: district.py OUTDIR CLASSMAP_CSV

Truth by construction, against the Hefei 2020 targets (schema/packs/hefei.csv):
  - per-class egress: contracted bandwidth / classroom classes; "meets"
    schools get 12 Mbit/s per class, "misses" schools 6 Mbit/s, and one
    school gets exactly 10.0 (the plan says 以上: at least, so it meets);
  - students per computer: the computer room (机房) shows the devices that
    gencap gives it; students are set to 5 per device (meets, <= 6) or
    9 per device (misses);
  - one school sends nothing at all: it is "not reporting", not failing.
CLASSMAP_CSV is the class map gencap wrote for the demo's school shape (all
demo schools use the same classes and subnets, as real schools of one
district often do: every agent only sees its own school)."""
import csv, os, sys

out, cmap = sys.argv[1], sys.argv[2]
# Wi-Fi: each school's controller is one of the real devices recorded in
# shared/testdata/snmprec (served by snmpsim); every required area is served
# by one AP. On the Cisco and Aruba Instant controllers every AP is up
# (full coverage); on the MikroTik, wlan2 and wlan3 are down (2 of 4 rooms
# uncovered).
WIFI = {
    "full-cisco": ("ciscowlc_cbw240ac", ["ap1", "ap2", "ap3", "ap4"]),
    "full-aruba": ("aruba-instant", ["ECA-Ultimo-L11-AP06",
                                     "ECA-Ultimo-L11-AP14",
                                     "instant-ap-src-1"]),
    "partial": ("routeros", ["wlan1", "wlan2", "wlan3", "wlan4"]),
}
SCHOOLS = [
    # code, name, region, type, verdict for egress, for computers, Wi-Fi
    ("340102001", "合肥市第一中学", "urban", "senior", "meets", "meets", "full-cisco"),
    ("340102002", "合肥市屯溪路小学", "urban", "primary", "meets", "meets", "full-aruba"),
    ("340102003", "合肥市第四十五中学", "urban", "junior", "exact", "meets", "full-cisco"),
    ("340102004", "合肥市南门小学", "urban", "primary", "misses", "meets", "partial"),
    ("340102005", "合肥市琥珀中学", "urban", "junior", "meets", "misses", "full-aruba"),
    ("340102006", "合肥市师范附属小学", "urban", "primary", "meets", "meets", "full-cisco"),
    ("340122001", "肥东县第一中学", "county", "senior", "meets", "meets", "full-cisco"),
    ("340122002", "肥东县撮镇中心小学", "county", "primary", "misses", "misses", "partial"),
    ("340123001", "肥西县上派镇中心学校", "county", "junior", "meets", "meets", "full-aruba"),
    ("340124001", "庐江县汤池中学", "township", "junior", "misses", "meets", "partial"),
    ("340181001", "巢湖市烔炀中学", "county", "junior", "meets", "meets", "full-cisco"),
    ("340181002", "巢湖市黄麓镇中心小学", "village", "primary", "silent", "silent", "partial"),
]

rows = []
with open(cmap, encoding="utf-8-sig") as f:
    for r in csv.reader(f):
        if not r or r[0].startswith("#") or r[0] == "class":
            continue
        rows.append((r[0], r[1]))
classes = []
for name, target in rows:
    if name not in [c[0] for c in classes]:
        classes.append([name, [], None])
    c = [c for c in classes if c[0] == name][0]
    if target.startswith("vlan:"):
        c[2] = target[5:]
    else:
        c[1].append(target)

def kind(name):
    return {"机房": "computer_room", "教师办公室": "staff_office",
            "录播室": "other"}.get(name, "classroom")

nclassrooms = sum(1 for c in classes if kind(c[0]) == "classroom")
HOSTS = int(os.environ.get("DEMO_HOSTS", "20"))  # devices per class (gencap --hosts)

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "schools.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(["code", "name", "district", "region", "type", "students",
                "teachers", "classes", "contracted_mbps",
                "declared_student_computers", "declared_teacher_computers"])
    for code, name, region, typ, egress, comp, wifi in SCHOOLS:
        per_class = {"meets": 12, "exact": 10, "misses": 6, "silent": 12}[egress]
        students = HOSTS * (5 if comp in ("meets", "silent") else 9)
        w.writerow([code, name, "合肥市", region, typ, students, HOSTS // 2,
                    nclassrooms, per_class * nclassrooms, HOSTS, HOSTS // 2])
with open(os.path.join(out, "classes.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(["school", "class", "name", "grade", "kind", "subnets", "vlan"])
    for code, *_ in SCHOOLS:
        for i, (name, subnets, vlan) in enumerate(classes):
            grade = name[:3] if kind(name) == "classroom" else ""
            w.writerow([code, name, name, grade, kind(name), ";".join(subnets),
                        vlan or ""])
# declared inventory (nothing measures it): every school but two has a
# recording classroom; the senior schools have a digital lab
with open(os.path.join(out, "inventory.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(["school", "year", "item", "value"])
    for i, (code, name, region, typ, egress, comp, wifi) in enumerate(SCHOOLS):
        w.writerow([code, 2020, "recording_classrooms", 0 if i in (3, 7) else 1])
        w.writerow([code, 2020, "digital_labs", 1 if typ == "senior" else 0])
# rooms needing Wi-Fi, one AP each, in the registry and in each agent's
# config (the agent evaluates its area map while it replays)
with open(os.path.join(out, "areas.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(["school", "area", "name", "kind", "required", "aps"])
    for code, name, region, typ, egress, comp, wifi in SCHOOLS:
        for i, ap in enumerate(WIFI[wifi][1]):
            w.writerow([code, "room%d" % (i + 1), "教学楼%d层" % (i + 1),
                        "classroom", 1, ap])
with open(os.path.join(out, "plan.txt"), "w") as f:
    for code, name, region, typ, egress, comp, wifi in SCHOOLS:
        f.write("%s %s %s\n" % (code, "silent" if egress == "silent" else "send",
                                 WIFI[wifi][0]))
        with open(os.path.join(out, "agent-%s.conf" % code), "w") as c:
            c.write("# agent config of %s (%s), written by the demo\n" % (code, name))
            c.write("school %s\nagent_id gw-%s\nplaintext yes\n" % (code, code))
            c.write("snmp_profile_dir %s\n" % os.environ.get("DEMO_PROFILES", "agent/profiles"))
            c.write("snmp_target wlc v2c:%s@127.0.0.1:%s interval 7200\n"
                    % (WIFI[wifi][0], os.environ.get("DEMO_SNMP_PORT", "1161")))
            for i, ap in enumerate(WIFI[wifi][1]):
                c.write("area room%d required %s\n" % (i + 1, ap))
        os.chmod(os.path.join(out, "agent-%s.conf" % code), 0o600)
