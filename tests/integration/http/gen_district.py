#!/usr/bin/env python3
"""Builds a small demo district for the HTTP tests, known by construction.

Writes registry CSV files (imported by the test through the collector's
own `import`), then stores agent data straight into the collector's SQLite
file (schema made by the collector):
  * 12 schools HF101..HF112 with Chinese names, 6 urban and 6 county;
  * per school 4 traffic classes (two classrooms, a computer room, a staff
    office);
  * school-hour minutes (08:00-17:00 UTC+8) on the school days of
    2020-11-23 .. 2020-12-11 for HF101..HF110, 2 days for HF111
    (insufficient data), nothing for HF112 (not reporting), so that
    `evaluate --pack hefei --year 2020 --now 2020-12-12` decides them;
  * the last LIVE_MIN minutes before now for HF101..HF110 (live views:
    latest figures, agent completeness), with capture and agent status rows.
Odd schools are built to meet the Hefei 2020 egress target (contracted
300 Mbit/s for 24 classes = 12.5 per class), even ones to miss it
(120 / 24 = 5). Byte counts follow a formula of (school, class, minute),
so the tests recompute every expected figure from the store themselves.

usage: gen_district.py OUTDIR DB NOW
Without DB (not made yet) only the registry CSV files are written.
"""
import csv
import datetime as dt
import os
import sqlite3
import sys

TZ = dt.timezone(dt.timedelta(hours=8))
LIVE_MIN = 120
NAMES = ["合肥市第一中学", "合肥市第八中学", "合肥市南门小学", "合肥市琥珀小学",
         "合肥市第四十五中学", "合肥市西园新村小学", "肥东县第一中学", "肥西县实验小学",
         "长丰县下塘镇中心小学", "庐江县汤池镇中学", "巢湖市柘皋镇小学", "肥东县长临河教学点"]
TYPES = ["senior", "senior", "primary", "primary", "junior", "primary",
         "senior", "primary", "primary", "junior", "primary", "primary"]
CLASSES = [("c1", "一年级(1)班", "classroom"), ("c2", "一年级(2)班", "classroom"),
           ("lab", "计算机教室", "computer_room"), ("staff", "教师办公室", "staff_office")]


def schools():
    out = []
    for i in range(12):
        code = "HF%03d" % (101 + i)
        urban = i < 6
        out.append(dict(code=code, name=NAMES[i],
                        district="合肥市" if urban else "肥东县",
                        region="urban" if urban else "county", type=TYPES[i],
                        students=400, teachers=40, classes=24,
                        contracted_mbps=300 if i % 2 == 0 else 120,
                        lab=60 if i % 2 == 0 else 30, idx=i))
    return out


def school_days():
    d = dt.date(2020, 11, 23)
    while d <= dt.date(2020, 12, 11):
        if d.weekday() < 5:
            yield d
        d += dt.timedelta(days=1)


def minute_row(s, cls, k, minute, agent):
    """Deterministic counters of one class minute."""
    i = s["idx"]
    kind = cls[2]
    base = 40000 + 1000 * i + 7 * (minute // 60 % 97)
    down = base * (3 if kind == "computer_room" else 2 if kind == "classroom" else 1)
    up = down // 5 + k
    dev = s["lab"] if kind == "computer_room" else (3 if kind == "classroom" else 10 + i)
    return (minute, s["code"], cls[0], up, down, up // 500 + 1, down // 800 + 1,
            up * 8 // 30, down * 8 // 20, dev, agent)


def main():
    outdir, db, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ss = schools()
    with open(os.path.join(outdir, "schools.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "district", "region", "type", "students",
                    "teachers", "classes", "contracted_mbps",
                    "declared_student_computers", "declared_teacher_computers"])
        for s in ss:
            w.writerow([s["code"], s["name"], s["district"], s["region"], s["type"],
                        s["students"], s["teachers"], s["classes"],
                        s["contracted_mbps"], s["lab"], 40])
    with open(os.path.join(outdir, "classes.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["school", "class", "name", "grade", "kind", "subnets", "vlan"])
        for s in ss:
            for n, (cid, name, kind) in enumerate(CLASSES):
                w.writerow([s["code"], cid, name, "", kind,
                            "10.%d.%d.0/24" % (s["idx"], n + 1), ""])

    if not os.path.exists(db):
        return                            # registry files only
    con = sqlite3.connect(db, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    rows, caps, agents, status = [], [], [], []
    days = list(school_days())
    for s in ss:
        agent = "gw-" + s["code"].lower()
        i = s["idx"]
        if i == 11:
            continue                      # never reported
        use = days if i < 10 else days[-2:]
        for d in use:
            start = int(dt.datetime(d.year, d.month, d.day, 8, 0, tzinfo=TZ).timestamp())
            for m in range(540):
                minute = start + 60 * m
                for k, cls in enumerate(CLASSES):
                    rows.append(minute_row(s, cls, k, minute, agent))
                caps.append((minute, s["code"], agent, "eth1", 1000, 1000, 0, 0,
                             None, None, 0, 0, 0))
        first = rows[0][0] if rows else now
        if i < 10:
            last = now // 60 * 60 - 60
            for m in range(LIVE_MIN):
                minute = last - 60 * (LIVE_MIN - 1 - m)
                for k, cls in enumerate(CLASSES):
                    rows.append(minute_row(s, cls, k, minute, agent))
                caps.append((minute, s["code"], agent, "eth1", 1000, 1000,
                             i, 0, None, None, 0, 0, 0))
                status.append((minute, s["code"], agent, i * 2, i, i * 10, 3600 + m * 60))
            agents.append((agent, s["code"], "0.1.0", "boot-%d" % i, "127.0.0.1:1",
                           first, now - 5 * i))
        else:
            agents.append((agent, s["code"], "0.1.0", "boot-%d" % i, "127.0.0.1:1",
                           first, int(dt.datetime(2020, 12, 11, 17, tzinfo=TZ).timestamp())))
    with con:
        con.executemany("INSERT INTO class_minute VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO capture_minute VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", caps)
        con.executemany("INSERT OR REPLACE INTO agents VALUES (?,?,?,?,?,?,?)", agents)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'agent_status'").fetchone():
            con.executemany("INSERT INTO agent_status VALUES (?,?,?,?,?,?,?)", status)
    con.close()
    print("district: %d schools, %d class minutes, %d capture minutes"
          % (len(ss), len(rows), len(caps)))


if __name__ == "__main__":
    main()
