#!/usr/bin/env python3
"""The JSON API against an independent oracle: every figure the API gives is
recomputed here with SQL (Python's own sqlite3, read-only) from the rows in
the store, and every response is checked against docs/openapi.yaml.

usage: check_api.py DB URL TOKEN OPENAPI.yaml
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml

DB, URL, TOKEN, SPEC = sys.argv[1:5]
spec = yaml.safe_load(open(SPEC, encoding="utf-8"))
db = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
problems = 0
checked = 0
exercised = set()


def check(cond, msg):
    global problems, checked
    checked += 1
    if cond:
        print("ok: " + msg)
    else:
        problems += 1
        print("FAIL: " + msg)


def validate(tmpl, status, ctype, body):
    """body (bytes) of a response to GET tmpl against the document."""
    comps = spec["components"]
    exercised.add(tmpl)
    op = spec["paths"][tmpl]["get"]
    resp = op["responses"].get(str(status))
    if resp is None:
        check(False, "%s: status %d documented" % (tmpl, status))
        return
    if "$ref" in resp:
        resp = comps["responses"][resp["$ref"].rsplit("/", 1)[1]]
    media = ctype.split(";")[0].strip()
    if media not in resp.get("content", {}):
        check(False, "%s %d: content type %s documented" % (tmpl, status, media))
        return
    if media != "application/json":
        return
    schema = dict(resp["content"][media]["schema"])
    schema["components"] = comps
    errs = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(body)))
    for e in errs[:3]:
        print("   schema: %s at /%s" % (e.message[:200], "/".join(map(str, e.path))))
    check(not errs, "%s %d matches the OpenAPI schema" % (tmpl, status))


def get(path, tmpl=None, token=TOKEN, headers=None, expect=200, method="GET"):
    req = urllib.request.Request(URL + path, method=method)
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, body = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, body = e.code, e.headers, e.read()
    check(status == expect, "GET %s -> %d (want %d)" % (path, status, expect))
    if tmpl is not None:
        validate(tmpl, status, hdrs.get("Content-Type", ""), body)
    return status, hdrs, body


def jget(path, tmpl, **kw):
    s, h, b = get("/api/v1" + path, tmpl, **kw)
    return json.loads(b)


def q(sql, *args):
    return db.execute(sql, args).fetchall()


# ---------------------------------------------------------------- access
s, h, b = get("/api/v1/schools", "/schools", token=None, expect=401)
check(h.get("WWW-Authenticate", "").startswith("Bearer"), "401 says Bearer")
get("/api/v1/schools", "/schools", token="wrong", expect=401)
get("/api/v1/schools", "/schools", token=TOKEN[:-1], expect=401)
get("/api/v1/schools", "/schools", token=TOKEN + "x", expect=401)
get("/metrics", None, token=None, expect=401)
get("/api/v1/schools", "/schools", token=None,
    headers={"Authorization": "Basic " + TOKEN}, expect=401)
get("/api/v1/schools", "/schools", token="second-token-for-scrapers")
s, h, b = get("/api/v1/status", "/status",
              headers={"Origin": "https://noc.example"})
check(h.get("Access-Control-Allow-Origin") == "https://noc.example",
      "CORS origin header is the configured one")
st = json.loads(b)
check(st["schema_version"] == q("PRAGMA user_version")[0][0],
      "status: schema version as in the store")
get("/api/v1/", "/")

# ---------------------------------------------------------------- schools
n_schools = q("SELECT COUNT(*) FROM schools")[0][0]
r = jget("/schools", "/schools")
check(r["total"] == n_schools, "schools: total %d = registry %d" % (r["total"], n_schools))
check([x["code"] for x in r["items"]] ==
      [c for (c,) in q("SELECT code FROM schools ORDER BY code")], "schools: codes in order")
for reg in ("urban", "county"):
    r = jget("/schools?region=" + reg, "/schools")
    want = q("SELECT COUNT(*) FROM schools WHERE region = ?", reg)[0][0]
    check(r["total"] == want and all(x["region"] == reg for x in r["items"]),
          "schools?region=%s: %d" % (reg, want))
d = "肥东县"
r = jget("/schools?district=" + urllib.parse.quote(d), "/schools")
check(r["total"] == q("SELECT COUNT(*) FROM schools WHERE district = ?", d)[0][0],
      "schools?district=肥东县 (UTF-8 in the query)")
r = jget("/schools?q=" + urllib.parse.quote("小学"), "/schools")
check(r["total"] == q("SELECT COUNT(*) FROM schools WHERE instr(name, '小学') > 0")[0][0],
      "schools?q=小学 searches names")
r = jget("/schools?limit=5&offset=4", "/schools")
check([x["code"] for x in r["items"]] ==
      [c for (c,) in q("SELECT code FROM schools ORDER BY code LIMIT 5 OFFSET 4")],
      "schools: paging limit 5 offset 4")
for x in jget("/schools?limit=1000", "/schools")["items"]:
    want = q("SELECT MAX(minute) FROM class_minute WHERE school = ?", x["code"])[0][0]
    if x["last_data"] != want:
        check(False, "last_data of %s" % x["code"])
        break
else:
    check(True, "schools: last_data of every school = MAX(minute) in the store")

# verdicts: recomputed from evaluation_school of the latest evaluation
eid = q("SELECT MAX(id) FROM evaluations WHERE pack = 'hefei' AND year = 2020")[0][0]
oracle = {}
for code, in q("SELECT code FROM schools"):
    st_ = [s_ for (s_,) in q("SELECT status FROM evaluation_school WHERE eval_id = ? AND school = ?", eid, code)]
    oracle[code] = ("not_evaluated" if not st_ else "fails" if "fails" in st_
                    else "meets" if all(s_ == "meets" for s_ in st_) else "undetermined")
r = jget("/schools?pack=hefei&year=2020&limit=1000", "/schools")
check(all(x["verdict"] == oracle[x["code"]] for x in r["items"]),
      "schools: verdict of every school as recomputed (%s)" %
      ", ".join("%s=%d" % (v, list(oracle.values()).count(v)) for v in sorted(set(oracle.values()))))
x0 = r["items"][0]
check(x0["rules"] == dict(q("SELECT rule, status FROM evaluation_school WHERE eval_id = ? AND school = ?",
                            eid, x0["code"])), "schools: per-rule statuses of %s" % x0["code"])
for v in ("meets", "fails", "undetermined", "not_evaluated"):
    rv = jget("/schools?pack=hefei&year=2020&verdict=" + v, "/schools")
    check(rv["total"] == list(oracle.values()).count(v), "schools?verdict=%s: %d" % (v, rv["total"]))
get("/api/v1/schools?limit=0", "/schools", expect=400)
get("/api/v1/schools?limit=abc", "/schools", expect=400)
get("/api/v1/schools?verdict=meets", "/schools", expect=400)
get("/api/v1/schools?pack=hefei", "/schools", expect=400)

# ---------------------------------------------------------------- one school
code = "HF101"
s_ = jget("/schools/" + code, "/schools/{code}")
last = q("SELECT MAX(minute) FROM class_minute WHERE school = ?", code)[0][0]
check(s_["last_data"] == last and s_["latest"]["minute"] == last, "school: latest minute")
rows = q("SELECT class, SUM(bytes_up), SUM(bytes_down), SUM(devices), MAX(peak_down_bps)"
         " FROM class_minute WHERE school = ? AND minute = ? GROUP BY class ORDER BY class", code, last)
got = [(c["class"], c["bytes_up"], c["bytes_down"], c["devices"], c["peak_down_bps"])
       for c in s_["latest"]["classes"]]
check(got == [tuple(r_) for r_ in rows], "school: per-class figures of the latest minute")
check(all(abs(c["down_mbps"] - c["bytes_down"] * 8 / 60 / 1e6) < 1e-9 for c in s_["latest"]["classes"]),
      "school: down_mbps = bytes * 8 / 60 / 1e6")
check(s_["latest"]["totals"]["bytes_down"] == sum(r_[2] for r_ in rows), "school: totals")
reg = q("SELECT name, contracted_kbps, classes FROM schools WHERE code = ?", code)[0]
check(s_["school"]["name"] == reg[0], "school: registry name " + reg[0])
s2 = jget("/schools/%s?from=2020-11-23&to=2020-12-12" % code, "/schools/{code}")
epc = s2["metrics"]["values"]["egress_mbps_per_class"]
want = reg[1] / 1000 / reg[2]
check(epc["number"] == want and epc["value"] == ("%g" % want),
      "school: egress_mbps_per_class %s = %d kbit/s / %d classes" % (epc["value"], reg[1], reg[2]))
dd = s2["metrics"]["evidence"]["days_with_data"]
want_days = q("SELECT COUNT(DISTINCT (minute + 28800) / 86400) FROM class_minute WHERE school = ?"
              " AND minute >= strftime('%s', '2020-11-23') AND minute < strftime('%s', '2020-12-12')", code)[0][0]
check(dd == want_days, "school: days with data %d = %d" % (dd, want_days))
ev_row = q("SELECT value FROM evaluation_school WHERE eval_id = ? AND school = ? AND metric = 'students_per_computer'",
           eid, code)
if ev_row and ev_row[0][0] is not None:
    check(s2["metrics"]["values"]["students_per_computer"]["value"] == ev_row[0][0],
          "school: students_per_computer as the evaluation stored it (%s)" % ev_row[0][0])
get("/api/v1/schools/NOPE", "/schools/{code}", expect=404)
get("/api/v1/schools/bad%20code", "/schools/{code}", expect=404)
get("/api/v1/schools/%s?from=2020-12-12&to=2020-11-23" % code, "/schools/{code}", expect=400)
get("/api/v1/schools/%s?from=2000-01-01&to=2020-11-23" % code, "/schools/{code}", expect=400)
# bytes that are not UTF-8 in a path: a clean JSON error, not a broken answer
s, h, b = get("/api/v1/evaluations/%FF%FE", "/evaluations/{id}", expect=404)
check(json.loads(b)["status"] == 404, "non-UTF-8 path bytes give a JSON 404")

# ---------------------------------------------------------------- series
ser = jget("/schools/%s/series?bucket=day&from=2020-11-23&to=2020-12-12" % code, "/schools/{code}/series")
off = ser["utc_offset"] * 60
check(off == 8 * 3600, "series: UTC+8 of the default calendar")
check(ser["t"][0] == ser["from"] and all(b - a == 86400 for a, b in zip(ser["t"], ser["t"][1:])),
      "series: daily bucket starts")
check(all((t_ + off) % 86400 == 0 for t_ in ser["t"]), "series: buckets start at local midnight")
idx = {t_: i for i, t_ in enumerate(ser["t"])}
bad = 0
for c in ser["classes"]:
    for day, up, down, peak, dev, mins in q(
            "SELECT (minute - ?) / 86400 * 86400 + ?, SUM(bytes_up), SUM(bytes_down), MAX(peak_down_bps),"
            " MAX(devices), COUNT(*) FROM class_minute WHERE school = ? AND class = ? AND minute >= ?"
            " AND minute < ? GROUP BY 1", ser["from"], ser["from"], code, c["class"], ser["from"], ser["to"]):
        i = idx[day]
        if (c["bytes_up"][i], c["bytes_down"][i], c["peak_down_bps"][i], c["devices_max"][i],
                c["minutes"][i]) != (up, down, peak, dev, mins):
            bad += 1
    nonnull = sum(1 for v in c["bytes_down"] if v is not None)
    want = q("SELECT COUNT(DISTINCT (minute + ?) / 86400) FROM class_minute WHERE school = ? AND class = ?"
             " AND minute >= ? AND minute < ?", off, code, c["class"], ser["from"], ser["to"])[0][0]
    if nonnull != want:
        bad += 1
check(bad == 0 and len(ser["classes"]) == 4, "series: per class per day sums, peaks, devices, minutes")
devs = dict(q("SELECT b, MAX(d) FROM (SELECT (minute - ?) / 86400 AS b, SUM(devices) AS d FROM class_minute"
              " WHERE school = ? AND minute >= ? AND minute < ? GROUP BY minute) GROUP BY b",
              ser["from"], code, ser["from"], ser["to"]))
check(all(ser["devices_max"][b] == v for b, v in devs.items()), "series: school devices at the busiest minute")
caps = dict(q("SELECT (minute - ?) / 86400, COUNT(DISTINCT minute) FROM capture_minute WHERE school = ?"
              " AND minute >= ? AND minute < ? GROUP BY 1", ser["from"], code, ser["from"], ser["to"]))
check(all(ser["capture_minutes"][b] == v for b, v in caps.items()) and
      sum(1 for v in ser["capture_minutes"] if v is not None) == len(caps), "series: capture minutes per day")
h = jget("/schools/%s/series?bucket=hour&from=2020-12-10&to=2020-12-11" % code, "/schools/{code}/series")
check(h["buckets"] == 24 and sum(v or 0 for v in h["data_minutes"]) ==
      q("SELECT COUNT(DISTINCT minute) FROM class_minute WHERE school = ? AND minute >= ? AND minute < ?",
        code, h["from"], h["to"])[0][0], "series: hourly buckets count the minutes")
jget("/schools/%s/series" % code, "/schools/{code}/series")
dm = jget("/schools/%s/series?bucket=day&from=2020-11-23&to=2020-12-12&metrics=1" % code,
          "/schools/{code}/series")["daily_metrics"]
# uptime per day: capture minutes in school hours (08:00-17:00 local) / 540
want = []
for t_ in ser["t"]:
    n = q("SELECT COUNT(DISTINCT minute) FROM capture_minute WHERE school = ? AND minute >= ? AND minute < ?",
          code, t_ + 8 * 3600, t_ + 17 * 3600)[0][0]
    wd = (t_ + off) // 86400 % 7          # 1970-01-01 was a Thursday: 0 = Thu
    school_day = wd not in (2, 3)         # Sat, Sun
    want.append(100.0 * n / 540 if school_day else None)
check([None if v is None else round(v, 6) for v in dm["broadband_uptime_pct"]] ==
      [None if v is None else round(v, 6) for v in want],
      "series metrics=1: daily uptime = capture minutes in school hours / 540")
check(all(v == reg[1] / 1000 for v in dm["egress_capacity_mbps"]), "series metrics=1: daily capacity = contracted")
get("/api/v1/schools/%s/series?bucket=hour&metrics=1" % code, "/schools/{code}/series", expect=400)
get("/api/v1/schools/%s/series?bucket=week" % code, "/schools/{code}/series", expect=400)
get("/api/v1/schools/%s/series?bucket=minute&from=2020-01-01&to=2020-12-01" % code,
    "/schools/{code}/series", expect=400)

# ---------------------------------------------------------------- agents
a = jget("/agents?limit=1000", "/agents")
check(a["total"] == q("SELECT COUNT(*) FROM agents")[0][0], "agents: total")
now = jget("/status", "/status")["now"]
for ag in a["items"]:
    mins = q("SELECT COUNT(DISTINCT minute) FROM capture_minute WHERE agent_id = ? AND minute >= ? AND minute < ?",
             ag["agent_id"], now - 86400, now)[0][0]
    if abs(ag["capture"]["completeness_pct"] - 100.0 * mins / 1440) > 100.0 / 1440 + 1e-9:
        check(False, "agents: completeness of %s: %s vs %d minutes" % (ag["agent_id"], ag["capture"], mins))
        break
    st_ = q("SELECT backlog_batches, dropped_rows FROM agent_status WHERE agent_id = ?"
            " ORDER BY minute DESC LIMIT 1", ag["agent_id"])
    if (st_[0] if st_ else None) != ((ag["status"]["backlog_batches"], ag["status"]["dropped_rows"])
                                     if ag["status"] else None):
        check(False, "agents: status of %s" % ag["agent_id"])
        break
else:
    check(True, "agents: capture completeness and spool status of every agent")
a1 = jget("/agents?school=HF103", "/agents")
check(a1["total"] == 1 and a1["items"][0]["school"] == "HF103", "agents?school=HF103")
get("/api/v1/agents?window=5", "/agents", expect=400)

# ---------------------------------------------------------------- packs, evaluations
p = jget("/packs", "/packs")
check([(x["pack"], x["version"], x["rules"]) for x in p["items"]] ==
      [tuple(r_) for r_ in q("SELECT p.pack, p.version, (SELECT COUNT(*) FROM pack_rules x WHERE x.pack = p.pack"
                             " AND x.version = p.version) FROM packs p ORDER BY 1, p.loaded, 2")], "packs")
e = jget("/evaluations?pack=hefei", "/evaluations")
check([x["id"] for x in e["items"]] == [i for (i,) in q("SELECT id FROM evaluations WHERE pack = 'hefei'"
                                                        " ORDER BY id DESC")], "evaluations list")
ev = jget("/evaluations/latest?pack=hefei&year=2020", "/evaluations/latest")
check(ev["evaluation"]["id"] == eid, "evaluations/latest is the newest")
check([(r_["rule"], r_["in_scope"], r_["meeting"], r_["verdict"]) for r_ in ev["rules"]] ==
      [tuple(x) for x in q("SELECT rule, in_scope, meeting, verdict FROM evaluation_rule WHERE eval_id = ?"
                           " ORDER BY seq", eid)], "evaluation rules as stored")
check(len(ev["schools"]) == q("SELECT COUNT(*) FROM evaluation_school WHERE eval_id = ?", eid)[0][0],
      "evaluation school rows as stored")
e1 = jget("/evaluations/%d?school=HF111" % eid, "/evaluations/{id}")
check(e1["schools"] and all(x["school"] == "HF111" for x in e1["schools"]) and
      {x["status"] for x in e1["schools"] if not x["metric"].startswith("inventory:")} <= {"insufficient_data", "not_reporting"},
      "HF111 (2 days of data) is insufficient data, never a pass")
e2 = jget("/evaluations/%d?school=HF112" % eid, "/evaluations/{id}")
check(all(x["status"] in ("not_reporting", "no_data") for x in e2["schools"]), "HF112 (no data) is not reporting")
get("/api/v1/evaluations/999999", "/evaluations/{id}", expect=404)
get("/api/v1/evaluations/latest?pack=hefei&year=1999", "/evaluations/latest", expect=404)
get("/api/v1/evaluations/latest?pack=hefei", "/evaluations/latest", expect=400)

# ---------------------------------------------------------------- report
s, h, b = get("/api/v1/report.csv?pack=hefei&year=2020&lang=en", "/report.csv")
check(h.get("Content-Type", "").startswith("text/csv"), "report: text/csv")
check("attachment" in h.get("Content-Disposition", ""), "report: sent as an attachment")
check(b.startswith(b"\xef\xbb\xbf"), "report: UTF-8 with BOM")
rows = list(csv.reader(io.StringIO(b.decode("utf-8-sig"), newline="")))
body_rows = [r_ for r_ in rows if len(r_) > 5 and r_[0] in oracle]
check({r_[0] for r_ in body_rows} == {c for (c,) in q("SELECT DISTINCT school FROM evaluation_school"
                                                      " WHERE eval_id = ?", eid)},
      "report: rows for every evaluated school (%d rows)" % len(body_rows))
# the same bytes as the command line's report of the same evaluation
cli = os.environ.get("COLLECTOR")
if cli:
    out = os.path.join(os.path.dirname(DB), "cli-report.csv")
    subprocess.run([cli, "report", "--pack", "hefei", "--year", "2020", "--format", "csv",
                    "--lang", "en", "--db", DB, "--output", out], check=True)
    check(open(out, "rb").read() == b, "report: identical to `classband-collector report --lang en`")
check(b"\r\n" in b, "report: CRLF line ends")
s, h, b = get("/api/v1/report.csv?pack=hefei&year=2020&encoding=gbk", "/report.csv")
check("合肥市第一中学".encode("gbk") in b, "report: GBK encoding on request")
get("/api/v1/report.csv?pack=hefei&year=1999", "/report.csv", expect=404)
get("/api/v1/report.csv?pack=hefei", "/report.csv", expect=400)
get("/api/v1/report.csv?pack=hefei&year=2020&lang=fr", "/report.csv", expect=400)

# ---------------------------------------------------------------- HTTP edges
get("/api/v1/nope", None, expect=404)
get("/api/v1/schools", None, method="POST", expect=405)
get("/api/v1/schools", None, method="DELETE", expect=405)
s, h, b = get("/api/v1/schools", None, token=None, method="OPTIONS", expect=204,
              headers={"Origin": "https://noc.example", "Access-Control-Request-Method": "GET"})
check("Authorization" in h.get("Access-Control-Allow-Headers", ""), "CORS preflight allows Authorization")
s, h, b = get("/", None, token=None, expect=200)   # urllib follows the redirect to /ui/
check(b"<title>" in b, "/ redirects to the dashboard page")

missing = set(spec["paths"]) - exercised
check(not missing, "every path of the OpenAPI document exercised" + (": missing " + " ".join(sorted(missing)) if missing else ""))
print("%d checks, %d problems" % (checked, problems))
sys.exit(1 if problems else 0)
