#!/bin/sh
# The annual CSV report read back by an independent parser (Python's csv
# module): UTF-8 BOM, CRLF record ends, RFC 4180 quoting, Chinese names
# intact, school names built to be formulas or SQL come back as text with a
# leading apostrophe (and only those), numbers stay numbers; every metric
# of every school is listed in the measurements section; the GBK
# report holds the same text; zh and en headers; summary as a second file.
. "$(dirname "$0")/../lib.sh"
C="$B/classband-collector"
DB=$T/c.db
command -v python3 > /dev/null || skip "python3 not installed"

$C import schools tests/data/registry/hostile_schools.csv --db "$DB" \
    > "$T/out" 2>&1 || { cat "$T/out"; fail "import"; }
$C pack load schema/packs/hefei.csv --db "$DB" > /dev/null 2>&1 || fail "pack"
$C evaluate --pack hefei --year 2020 --db "$DB" --now 2021-01-01 \
    > /dev/null 2>&1 || fail "evaluate"
$C report --pack hefei --year 2020 --format csv --lang en --db "$DB" \
    --output "$T/en.csv" 2> /dev/null || fail "report en"
$C report --pack hefei --year 2020 --format csv --lang zh --db "$DB" \
    --output "$T/zh.csv" 2> /dev/null || fail "report zh"
$C report --pack hefei --year 2020 --format csv --lang zh --encoding gbk \
    --db "$DB" --output "$T/gbk.csv" 2> /dev/null || fail "report gbk"
$C report --pack hefei --year 2020 --format csv --lang en --db "$DB" \
    --output "$T/detail.csv" --summary-output "$T/summary.csv" 2> /dev/null ||
    fail "report with summary file"
$C report --pack hefei --year 2020 --format csv --db "$DB" > "$T/stdout.csv" \
    2> /dev/null || fail "report to stdout"

python3 - "$T" <<'PY' || fail "round trip"
import csv, io, sys
T = sys.argv[1]
raw = open(T + "/en.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
assert raw.count(b"\n") == raw.count(b"\r\n"), "a record end is not CRLF"
text = raw[3:].decode("utf-8")
rows = list(csv.reader(io.StringIO(text, newline="")))
# Sections: header block, blank, schools x rules, blank, summary, blank,
# measurements (every metric of every school).
blank = [i for i, r in enumerate(rows) if r == []]
assert len(blank) == 3, "expected 4 sections, got blanks at %s" % blank
head, schools = rows[:blank[0]], rows[blank[0]+1:blank[1]]
summary, measured = rows[blank[1]+1:blank[2]], rows[blank[2]+1:]
assert measured[0][:4] == ["school_code", "school_name", "metric", "measured_value"], measured[0]
assert len(measured) - 1 == 7 * 14, "every school x 14 metrics: %d" % (len(measured) - 1)
m1 = [r for r in measured if r[0] == "X001" and r[2].startswith("egress per class")][0]
assert m1[1] == "'" + '=HYPERLINK("http://x","点我")' and m1[3] == "10" and m1[4] == "contracted", m1
m1 = [r for r in measured if r[0] == "X001" and r[2].startswith("egress capacity")][0]
assert m1[3] == "200", m1
assert head[0][0] == "report" and head[1][1] == "hefei", head
hdr = schools[0]
assert hdr[:3] == ["school_code", "school_name", "district"], hdr
names = {r[0]: r[1] for r in schools[1:]}
want = {
    "X001": "'" + '=HYPERLINK("http://x","点我")',
    "X002": "'); DROP TABLE schools;--",
    "X003": "'@SUM(1+1)",
    "X004": "'-2+3",
    "X005": "'+86 10 1234",
    "X006": '合肥市第四十五中学, 芙蓉分校 "新"',
    "X007": "-42",          # a plain number: left alone, stays a number
}
for k, v in want.items():
    assert names.get(k) == v, "%s: %r != %r" % (k, names.get(k), v)
triggers = ("=", "+", "-", "@", "\t", "\r", "\n")
def is_num(s):
    try:
        float(s); return True
    except ValueError:
        return False
for r in rows:
    for cell in r:
        if cell.startswith(triggers) and not is_num(cell):
            raise SystemExit("formula-like cell left as is: %r" % cell)
# Numbers are numbers: measured value, threshold, days, completeness.
col = {h: i for i, h in enumerate(hdr)}
n = 0
for r in schools[1:]:
    if r[col["metric"]].startswith("egress per class"):
        float(r[col["measured_value"]]); n += 1
    float(r[col["threshold"]]); int(r[col["school_days"]])
    float(r[col["completeness_pct"]])
assert n == 7, "egress rows: %d" % n
# X001: 200 Mbit/s / 20 classes = 10, exactly; registry region urban.
x1 = [r for r in schools[1:] if r[0] == "X001" and r[col["rule"]] == "2020-egress-urban"][0]
assert x1[col["measured_value"]] == "10", x1
assert x1[col["verdict"]] == "not reporting", x1
sh = summary[0]
assert sh[:3] == ["rule", "metric", "comparison"], sh
for r in summary[1:]:
    int(r[6]); int(r[7]); float(r[11])
    assert r[13] in ("pass", "fail", "undetermined", "no schools in scope"), r
# zh: same rows, Chinese labels.
zh = open(T + "/zh.csv", "rb").read()
zrows = list(csv.reader(io.StringIO(zh[3:].decode("utf-8"), newline="")))
assert zrows[blank[0]+1][:2] == ["学校代码", "学校名称"], zrows[blank[0]+1]
assert len(zrows) == len(rows)
assert any(r and r[0] == "X006" and r[3] == "市区" for r in zrows)
# GBK: no BOM, decodes as GBK to the same text as the UTF-8 zh report.
g = open(T + "/gbk.csv", "rb").read()
assert not g.startswith(b"\xef\xbb\xbf")
assert g.decode("gbk") == zh[3:].decode("utf-8"), "GBK text differs"
# Second file: details without summary, summary alone.
d = list(csv.reader(io.StringIO(open(T + "/detail.csv", encoding="utf-8-sig", newline="").read())))
s = list(csv.reader(io.StringIO(open(T + "/summary.csv", encoding="utf-8-sig", newline="").read())))
assert d[-1][0] == "X007" and s[-1][0] == summary[-1][0], (d[-1], s[-1])
assert [] in d and not any(r and r[0] == summary[1][0] for r in d), "summary left in the detail file"
assert open(T + "/stdout.csv", "rb").read() == raw, "stdout report differs"
print("csv round trip ok: %d school rows, %d rules" % (len(schools) - 1, len(summary) - 1))
PY
