#!/usr/bin/env python3
"""What the dashboard must show for a store, computed with SQL: school
counts (all, county), schools failing the latest hefei/2020 evaluation,
the drill-down school (SCHOOL, or the one with the most class minutes in
the evaluated period), its name and classes in that period, the highest
code, the agents. Printed as JSON for dashboard.mjs.
usage: expect.py DB [SCHOOL]
"""
import json
import sqlite3
import sys

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
q = lambda s, *a: db.execute(s, a).fetchall()
eid, pfrom, pto = q("SELECT id, period_from, period_to FROM evaluations WHERE pack = 'hefei'"
                    " AND year = 2020 ORDER BY id DESC LIMIT 1")[0]
fails = 0
for code, in q("SELECT code FROM schools"):
    st = [s for (s,) in q("SELECT status FROM evaluation_school WHERE eval_id = ? AND school = ?", eid, code)]
    fails += "fails" in st
school = sys.argv[2] if len(sys.argv) > 2 else q(
    "SELECT s.code FROM schools s ORDER BY (SELECT COUNT(*) FROM class_minute m WHERE m.school = s.code"
    " AND m.minute >= ? AND m.minute < ?) DESC, s.code LIMIT 1", pfrom, pto)[0][0]
print(json.dumps({
    "total": q("SELECT COUNT(*) FROM schools")[0][0],
    "county": q("SELECT COUNT(*) FROM schools WHERE region = 'county'")[0][0],
    "fails": fails,
    "school": school,
    "school_name": q("SELECT name FROM schools WHERE code = ?", school)[0][0],
    "classes": q("SELECT COUNT(DISTINCT class) FROM class_minute WHERE school = ? AND minute >= ?"
                 " AND minute < ?", school, pfrom, pto)[0][0],
    "last_code": q("SELECT MAX(code) FROM schools")[0][0],
    "agents": q("SELECT COUNT(*) FROM agents")[0][0],
}, ensure_ascii=False))
