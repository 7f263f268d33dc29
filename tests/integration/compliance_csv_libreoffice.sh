#!/bin/sh
# The annual CSV report opened by a real spreadsheet: LibreOffice headless
# imports it (UTF-8, formula evaluation on) and saves xlsx and ods; the
# saved files are read with Python's zipfile/xml (independent of our CSV
# code). No cell may be a formula; hostile school names are text with a
# leading apostrophe; Chinese names are intact; measured values, thresholds
# and day counts are numeric cells. A control CSV with a bare =1+1 must come
# out as a formula, which shows the check can see one.
. "$(dirname "$0")/../lib.sh"
C="$B/classband-collector"
DB=$T/c.db
command -v soffice > /dev/null || skip "LibreOffice (libreoffice-calc-nogui) not installed"
command -v python3 > /dev/null || skip "python3 not installed"

$C import schools tests/data/registry/hostile_schools.csv --db "$DB" \
    > "$T/out" 2>&1 || { cat "$T/out"; fail "import"; }
$C pack load schema/packs/hefei.csv --db "$DB" > /dev/null 2>&1 || fail "pack"
$C report --pack hefei --year 2020 --format csv --lang en --db "$DB" \
    --now 2021-01-01 --output "$T/report.csv" 2> /dev/null || fail "report"
printf 'name,v\r\n=1+1,2\r\n' > "$T/control.csv"

# Field sep 44 (,), text delimiter 34 ("), charset 76 (UTF-8), from line 1,
# quoted fields not forced to text, detect numbers, ..., evaluate formulas.
FILTER="CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
for fmt in xlsx ods; do
    timeout 180 soffice --headless --norestore \
        "-env:UserInstallation=file://$T/lo-profile" --infilter="$FILTER" \
        --convert-to $fmt --outdir "$T/out-$fmt" "$T/report.csv" \
        "$T/control.csv" > "$T/lo-$fmt.log" 2>&1 ||
        { cat "$T/lo-$fmt.log"; fail "soffice --convert-to $fmt"; }
done

python3 - "$T" <<'PY' || fail "spreadsheet check"
import re, sys, zipfile
import xml.etree.ElementTree as ET
T = sys.argv[1]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}

def xlsx_cells(path):
    z = zipfile.ZipFile(path)
    sst = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            sst.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter("{%s}c" % NS["m"]):
        ref = c.get("r")
        f = c.find("m:f", NS)
        v = c.find("m:v", NS)
        t = c.get("t", "n")
        if t == "s":
            val = sst[int(v.text)]
        elif t == "inlineStr":
            val = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
        else:
            val = v.text if v is not None else None
        cells[ref] = (t, val, f is not None)
    return cells

ctl = xlsx_cells(T + "/out-xlsx/control.xlsx")
assert ctl["A2"][2], "control: =1+1 was not imported as a formula, so the check is blind"

cells = xlsx_cells(T + "/out-xlsx/report.xlsx")
formulas = [r for r, c in cells.items() if c[2]]
assert not formulas, "formula cells in the report: %s" % formulas[:5]
def col_row(ref):
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return m.group(1), int(m.group(2))
rows = {}
for ref, c in cells.items():
    col, row = col_row(ref)
    rows.setdefault(row, {})[col] = c
hdr_row = [r for r in sorted(rows) if rows[r].get("A", (0, ""))[1] == "school_code"][0]
hdr = {c[1]: col for col, c in rows[hdr_row].items()}
names = {}
for r in sorted(rows):
    if r <= hdr_row or "A" not in rows[r]:
        continue
    if rows[r]["A"][1] in ("rule",):
        break
    code = rows[r]["A"][1]
    names[code] = rows[r][hdr["school_name"]]
    for h in ("threshold", "school_days", "completeness_pct"):
        t, v, f = rows[r][hdr[h]]
        assert t == "n", "%s of %s is not numeric: %s" % (h, code, rows[r][hdr[h]])
    if rows[r][hdr["metric"]][1].startswith("egress per class"):
        assert rows[r][hdr["measured_value"]][0] == "n", rows[r]
want = {
    "X001": "'" + '=HYPERLINK("http://x","点我")',
    "X002": "'); DROP TABLE schools;--",
    "X003": "'@SUM(1+1)",
    "X004": "'-2+3",
    "X006": '合肥市第四十五中学, 芙蓉分校 "新"',
}
for k, v in want.items():
    t, got, f = names[k]
    assert t == "s" and got == v and not f, "%s: %r" % (k, names[k])
# ods: no table:formula attribute anywhere in the content.
z = zipfile.ZipFile(T + "/out-ods/report.ods")
content = z.read("content.xml").decode("utf-8")
assert "table:formula" not in content, "ods report holds a formula"
assert "合肥市第四十五中学" in content
zc = zipfile.ZipFile(T + "/out-ods/control.ods").read("content.xml").decode()
assert "table:formula" in zc, "ods control lost its formula"
print("libreoffice: %d cells, no formulas; hostile names inert" % len(cells))
PY
