// classband dashboard: district overview (schools with their verdicts for
// a pack and year, sortable and filterable), school drill-down with charts
// (per-class traffic, devices, data coverage) and agent health. Talks only
// to the collector's /api/v1 with a read token; uPlot is bundled in.
import uPlot from "uplot";
import { LABELS } from "./i18n.js";

const state = {
  lang: localStorage.getItem("classband.lang") || "zh",
  token: "",
  pack: "", year: "",
  packs: [],
  schools: [],
  sort: { key: "code", dir: 1 },
  school: null,
  charts: [],
  evaluation: null,
};

// A token in the address (#token=...) is taken once and removed from it,
// so it is not left in the history; otherwise the one saved earlier.
(function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    state.token = decodeURIComponent(m[1]);
    localStorage.setItem("classband.token", state.token);
    history.replaceState(null, "", location.pathname + location.search);
  } else {
    state.token = localStorage.getItem("classband.token") || "";
  }
})();

const $ = (id) => document.getElementById(id);

function t(key, vars) {
  let s = (LABELS[state.lang] && LABELS[state.lang][key]) ?? LABELS.en[key] ?? key;
  if (vars) for (const k in vars) s = s.replace("{" + k + "}", vars[k]);
  return s;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) {
    if (k === "class") e.className = attrs[k];
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
    else e.setAttribute(k, attrs[k]);
  }
  for (const c of kids) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

function showError(msg) {
  const box = $("error");
  box.textContent = msg;
  box.hidden = !msg;
}

async function api(path, params) {
  const u = new URL("/api/v1" + path, location.origin);
  for (const k in params || {}) if (params[k] !== "" && params[k] != null) u.searchParams.set(k, params[k]);
  const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
  const r = await fetch(u, { headers });
  if (r.status === 401) {
    showError(t("unauthorized"));
    $("token-box").hidden = false;
    throw new Error("401");
  }
  if (!r.ok) {
    let msg = r.status + "";
    try { msg += " " + (await r.json()).error; } catch (e) { /* not JSON */ }
    showError(t("failed") + msg);
    throw new Error(msg);
  }
  return r;
}
const getJSON = async (p, q) => (await api(p, q)).json();

function applyLabels() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll("[data-i18n-ph]")) e.placeholder = t(e.dataset.i18nPh);
  $("lang").textContent = state.lang === "zh" ? "EN" : "中文";
}

function ago(ts) {
  if (ts == null) return t("never");
  const s = Math.max(0, Math.floor(Date.now() / 1000 - ts));
  if (s < 120) return t("ago_s", { n: s });
  if (s < 7200) return t("ago_m", { n: Math.floor(s / 60) });
  if (s < 172800) return t("ago_h", { n: Math.floor(s / 3600) });
  return t("ago_d", { n: Math.floor(s / 86400) });
}
const fmtTime = (ts) => ts == null ? "—" : new Date(ts * 1000).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB");
const fmtNum = (x, d = 2) => x == null ? "—" : Number(x).toFixed(d).replace(/\.?0+$/, "");
const verdictCell = (v) => el("td", { class: "v-" + (v || "not_evaluated"), "data-verdict": v || "" }, t(v || "not_evaluated"));

// ------------------------------------------------------------------
// packs and years

async function loadPacks() {
  const p = await getJSON("/packs");
  state.packs = p.items;
  const sel = $("pack");
  sel.replaceChildren(el("option", { value: "" }, "—"));
  const names = [...new Set(p.items.map((x) => x.pack))];
  for (const n of names) sel.append(el("option", { value: n }, n));
  // the pack and year of the latest stored evaluation, when there is one
  let latest = null;
  try { latest = (await getJSON("/evaluations", { limit: 1 })).items[0]; } catch (e) { /* shown */ }
  state.pack = latest ? latest.pack : names[0] || "";
  sel.value = state.pack;
  fillYears(latest ? String(latest.year) : "");
}

function fillYears(want) {
  const sel = $("year");
  const years = new Set();
  for (const p of state.packs) if (p.pack === state.pack) for (const y of String(p.years || "").split(",")) if (y) years.add(y);
  const cur = new Date().getFullYear();
  for (let y = cur - 6; y <= cur; y++) years.add(String(y));
  const list = [...years].sort();
  sel.replaceChildren(...list.map((y) => el("option", { value: y }, y)));
  state.year = want && years.has(want) ? want : list[list.length - 1] || "";
  sel.value = state.year;
}

// ------------------------------------------------------------------
// overview

async function loadSchools() {
  const all = [];
  const q = state.pack && state.year ? { pack: state.pack, year: state.year } : {};
  for (let off = 0; ; off += 1000) {
    const page = await getJSON("/schools", { ...q, limit: 1000, offset: off });
    all.push(...page.items);
    if (all.length >= page.total || page.items.length === 0) break;
  }
  state.schools = all;
  state.evaluation = null;
  if (state.pack && state.year) {
    try {
      state.evaluation = await getJSON("/evaluations/latest", { pack: state.pack, year: state.year });
    } catch (e) { showError(""); /* no evaluation yet: not an error */ }
  }
  fillFilter("f-district", "all_districts", all.map((s) => s.district));
  fillFilter("f-region", "all_regions", all.map((s) => s.region), true);
  fillFilter("f-type", "all_types", all.map((s) => s.type), true);
  fillFilter("f-verdict", "all_verdicts", ["meets", "fails", "undetermined", "not_evaluated"], true);
  renderRules();
  renderSchools();
}

function fillFilter(id, allKey, values, translate) {
  const sel = $(id), keep = sel.value;
  const vals = [...new Set(values.filter((v) => v))].sort();
  sel.replaceChildren(el("option", { value: "" }, t(allKey)),
    ...vals.map((v) => el("option", { value: v }, translate ? t(v) : v)));
  sel.value = vals.includes(keep) ? keep : "";
}

function ruleIds() {
  if (state.evaluation) return state.evaluation.rules.map((r) => r.rule);
  const ids = new Set();
  for (const s of state.schools) for (const k in s.rules || {}) ids.add(k);
  return [...ids].sort();
}

function renderRules() {
  const box = $("rules");
  box.replaceChildren();
  const ev = state.evaluation;
  if (!ev) return;
  const head = ["rule", "metric", "threshold", "in_scope", "meeting", "share", "required", "verdict"];
  const tb = el("tbody");
  for (const r of ev.rules) {
    tb.append(el("tr", { "data-rule": r.rule },
      el("td", {}, r.rule), el("td", {}, r.metric), el("td", {}, r.op + " " + r.threshold),
      el("td", { class: "num" }, r.in_scope), el("td", { class: "num" }, r.meeting),
      el("td", { class: "num" }, r.share_den ? fmtNum(100 * r.share_num / r.share_den, 1) + "%" : "—"),
      el("td", { class: "num" }, r.req_den ? fmtNum(100 * r.req_num / r.req_den, 1) + "%" : "—"),
      verdictCell(r.verdict)));
  }
  const csv = el("button", { onclick: downloadCsv }, t("download_csv"));
  box.append(el("table", { class: "grid", id: "rule-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, t(h))))), tb), csv);
}

async function downloadCsv() {
  const r = await api("/report.csv", { pack: state.pack, year: state.year, lang: state.lang });
  const blob = await r.blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: `classband-${state.pack}-${state.year}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
}

function filtered() {
  const q = $("f-q").value.trim().toLowerCase();
  const d = $("f-district").value, rg = $("f-region").value, ty = $("f-type").value, v = $("f-verdict").value;
  return state.schools.filter((s) =>
    (!q || s.code.toLowerCase().includes(q) || (s.name || "").toLowerCase().includes(q)) &&
    (!d || s.district === d) && (!rg || s.region === rg) && (!ty || s.type === ty) &&
    (!v || (s.verdict || "not_evaluated") === v));
}

function renderSchools() {
  const rules = ruleIds();
  const cols = [
    ["code", t("code")], ["name", t("name")], ["district", t("district")],
    ["region", t("region")], ["type", t("type")], ["verdict", t("verdict")],
    ...rules.map((r) => ["rule:" + r, r]), ["last_data", t("last_data")],
  ];
  const th = cols.map(([k, label]) => {
    const h = el("th", { "data-key": k, onclick: () => sortBy(k) }, label);
    if (state.sort.key === k) h.className = state.sort.dir > 0 ? "sorted-asc" : "sorted-desc";
    return h;
  });
  $("schools").tHead.replaceChildren(el("tr", {}, ...th));
  const rows = filtered();
  const { key, dir } = state.sort;
  const val = (s) => key.startsWith("rule:") ? (s.rules || {})[key.slice(5)] || "" : s[key] ?? "";
  rows.sort((a, b) => {
    const x = val(a), y = val(b);
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN")) * dir;
  });
  const tb = $("schools").tBodies[0];
  tb.replaceChildren(...rows.map((s) => {
    const stale = s.last_data == null || Date.now() / 1000 - s.last_data > 86400 * 3;
    return el("tr", { "data-code": s.code, onclick: () => openSchool(s.code) },
      el("td", {}, s.code), el("td", {}, s.name || "—"), el("td", {}, s.district || "—"),
      el("td", {}, s.region ? t(s.region) : "—"), el("td", {}, s.type ? t(s.type) : "—"),
      verdictCell(s.verdict),
      ...rules.map((r) => verdictCell((s.rules || {})[r])),
      el("td", { class: stale ? "stale" : "" }, s.last_data == null ? t("never") : fmtTime(s.last_data)));
  }));
  $("count").textContent = t("count", { n: rows.length });
}

function sortBy(k) {
  state.sort = state.sort.key === k ? { key: k, dir: -state.sort.dir } : { key: k, dir: 1 };
  renderSchools();
}

// ------------------------------------------------------------------
// drill-down

function show(section) {
  for (const id of ["overview", "school", "agents"]) $(id).hidden = id !== section;
  $("tab-overview").classList.toggle("active", section !== "agents");
  $("tab-agents").classList.toggle("active", section === "agents");
}

// The period shown: the evaluated year (as the evaluation stored it) or
// the 30 days up to the school's latest data (the API's default).
function period() {
  const ev = state.evaluation && state.evaluation.evaluation;
  if ($("range").value === "eval" && ev) return { from: ev.period_from, to: ev.period_to };
  return {};
}

async function openSchool(code) {
  state.school = code;
  show("school");
  location.hash = "school=" + encodeURIComponent(code);
  const eo = $("range").querySelector("option[value=eval]");
  eo.disabled = !state.evaluation;
  if (!state.evaluation) $("range").value = "recent";
  const s = await getJSON("/schools/" + encodeURIComponent(code), period());
  const reg = s.school || {};
  state.registered = !!s.school;
  $("school-title").textContent = (reg.name ? reg.name + " " : "") + "(" + code + ")";
  $("school-facts").textContent = s.school
    ? [reg.district, t(reg.region), t(reg.type), reg.students + " " + t("students"),
      reg.teachers + " " + t("teachers"), reg.classes + " " + t("classes"),
      reg.contracted_kbps ? t("contracted") + " " + fmtNum(reg.contracted_kbps / 1000, 1) + " Mbit/s" : null]
      .filter((x) => x).join(" · ")
    : "";
  renderLatest(s.latest);
  renderMetrics(s.metrics);
  await loadSeries();
}

function renderLatest(latest) {
  const head = ["class", "name", "kind", "down_mbps", "up_mbps", "peak_down", "devices"];
  $("latest").tHead.replaceChildren(el("tr", {}, ...head.map((h) => el("th", {}, t(h)))));
  const tb = $("latest").tBodies[0];
  if (!latest) {
    tb.replaceChildren(el("tr", {}, el("td", { colspan: head.length, class: "nodata" }, t("no_data"))));
    return;
  }
  tb.replaceChildren(...latest.classes.map((c) => el("tr", {},
    el("td", {}, c.class), el("td", {}, c.name || "—"), el("td", {}, c.kind || "—"),
    el("td", { class: "num" }, fmtNum(c.down_mbps, 3)), el("td", { class: "num" }, fmtNum(c.up_mbps, 3)),
    el("td", { class: "num" }, fmtNum(c.peak_down_bps / 1e6, 3)), el("td", { class: "num" }, c.devices))),
  el("tr", {}, el("td", { colspan: 3 }, t("all_classes") + " · " + fmtTime(latest.minute)),
    el("td", { class: "num" }, fmtNum(latest.totals.down_mbps, 3)),
    el("td", { class: "num" }, fmtNum(latest.totals.up_mbps, 3)), el("td", {}, ""),
    el("td", { class: "num" }, latest.totals.devices)));
}

function renderMetrics(m) {
  const head = ["metric", "value", "source", "declared", "note"];
  $("metrics").tHead.replaceChildren(el("tr", {}, ...head.map((h) => el("th", {}, t(h)))));
  const tb = $("metrics").tBodies[0];
  if (!m) {
    tb.replaceChildren(el("tr", {}, el("td", { colspan: head.length, class: "nodata" }, t("no_data"))));
    return;
  }
  tb.replaceChildren(...Object.entries(m.values).map(([k, v]) => el("tr", {},
    el("td", {}, k), el("td", { class: "num" }, v.value ?? "—"), el("td", {}, v.source || "—"),
    el("td", {}, v.declared || "—"), el("td", {}, v.note || ""))));
}

const PALETTE = ["#2456a6", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490",
  "#a16207", "#be185d", "#4d7c0f", "#1e40af", "#9a3412", "#047857"];

function chart(id, title, xs, series) {
  const box = $(id);
  box.replaceChildren();
  if (!xs.length || series.every((s) => s.data.every((v) => v == null))) {
    box.append(el("div", { class: "nodata" }, t("no_data")));
    return;
  }
  const width = Math.max(320, box.clientWidth - 10);
  // zoom to where there is data (a year with six weeks of data would
  // otherwise be a thin stripe at one edge)
  let lo = Infinity, hi = -Infinity;
  for (const s of series) s.data.forEach((v, i) => {
    if (v != null && v !== 0) { lo = Math.min(lo, xs[i]); hi = Math.max(hi, xs[i]); }
  });
  const step = xs.length > 1 ? xs[1] - xs[0] : 3600;
  const x = lo <= hi ? { time: true, range: [lo - step, hi + step] } : { time: true };
  const opts = {
    width, height: 240, title,
    scales: { x },
    series: [{}, ...series.map((s, i) => ({
      label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false,
      points: { show: xs.length < 60 },
    }))],
    axes: [{}, { size: 60, values: (u, vals) => vals.map((v) => v == null ? "" : String(+v.toPrecision(3))) }],
  };
  state.charts.push(new uPlot(opts, [xs, ...series.map((s) => s.data)], box));
}

async function loadSeries() {
  for (const c of state.charts) c.destroy();
  state.charts = [];
  const bucket = $("bucket").value;
  const p = period();
  // hourly buckets: the last 14 days of the period at most
  if (bucket === "hour" && p.to) p.from = Math.max(p.from, p.to - 14 * 86400);
  const s = await getJSON("/schools/" + encodeURIComponent(state.school) + "/series", { bucket, ...p });
  const width = bucket === "day" ? 86400 : 3600;
  // mean Mbit/s over the minutes that had data in the bucket
  const traffic = s.classes.map((c) => ({
    label: c.name ? c.class + " " + c.name : c.class,
    data: c.bytes_down.map((b, i) => b == null || !c.minutes[i] ? null : b * 8 / (c.minutes[i] * 60) / 1e6),
  }));
  chart("chart-traffic", t("chart_traffic"), s.t, traffic);
  chart("chart-devices", t("chart_devices"), s.t, [{ label: t("devices_total"), data: s.devices_max }]);
  chart("chart-coverage", t("chart_coverage"), s.t, [{
    label: "%", data: s.capture_minutes.map((m) => m == null ? 0 : 100 * m / (width / 60)),
  }]);
  $("chart-traffic").dataset.rendered = String(traffic.length);
  // per-day metrics as the compliance module computes them (62 days at most)
  const d = !state.registered ? null : await getJSON("/schools/" + encodeURIComponent(state.school) + "/series", {
    bucket: "day", metrics: 1, from: Math.max(s.from, s.to - 62 * 86400), to: s.to,
  }).catch(() => null);
  if (d && d.daily_metrics) {
    chart("chart-daily", t("chart_daily"), d.t, [
      { label: t("wifi_coverage"), data: d.daily_metrics.wifi_coverage_pct },
      { label: t("uptime"), data: d.daily_metrics.broadband_uptime_pct },
    ]);
  } else {
    chart("chart-daily", t("chart_daily"), [], []);
  }
}

// ------------------------------------------------------------------
// agents

async function loadAgents() {
  show("agents");
  const all = [];
  for (let off = 0; ; off += 1000) {
    const page = await getJSON("/agents", { limit: 1000, offset: off });
    all.push(...page.items);
    if (all.length >= page.total || page.items.length === 0) break;
  }
  const head = ["agent", "school", "version", "last_seen", "completeness", "backlog", "dropped"];
  $("agent-table").tHead.replaceChildren(el("tr", {}, ...head.map((h) => el("th", {}, t(h)))));
  $("agent-table").tBodies[0].replaceChildren(...all.map((a) => el("tr", { "data-agent": a.agent_id },
    el("td", {}, a.agent_id), el("td", {}, a.school), el("td", {}, a.version || "—"),
    el("td", { class: a.age_s > 600 ? "stale" : "" }, ago(a.last_seen)),
    el("td", { class: "num" }, fmtNum(a.capture.completeness_pct, 1) + "%"),
    el("td", { class: "num" }, a.status ? a.status.backlog_batches : "—"),
    el("td", { class: "num" }, a.status ? a.status.dropped_rows : "—"))));
}

// ------------------------------------------------------------------
// wiring

async function refresh() {
  showError("");
  try {
    await loadPacks();
    await loadSchools();
    const m = /school=([^&]+)/.exec(location.hash);
    if (m) await openSchool(decodeURIComponent(m[1]));
  } catch (e) {
    console.error(e);
  }
}

function init() {
  applyLabels();
  $("lang").onclick = () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("classband.lang", state.lang);
    applyLabels();
    renderRules();
    renderSchools();
    if (!$("school").hidden) openSchool(state.school).catch(() => {});
    if (!$("agents").hidden) loadAgents().catch(() => {});
  };
  $("token-btn").onclick = () => { $("token-box").hidden = !$("token-box").hidden; };
  $("token-save").onclick = () => {
    state.token = $("token").value.trim();
    localStorage.setItem("classband.token", state.token);
    $("token-box").hidden = true;
    refresh();
  };
  $("pack").onchange = () => { state.pack = $("pack").value; fillYears(state.year); loadSchools().catch(() => {}); };
  $("year").onchange = () => { state.year = $("year").value; loadSchools().catch(() => {}); };
  for (const id of ["f-q", "f-district", "f-region", "f-type", "f-verdict"])
    $(id).addEventListener("input", renderSchools);
  $("back").onclick = () => { show("overview"); history.replaceState(null, "", location.pathname); };
  $("bucket").onchange = () => loadSeries().catch(() => {});
  $("range").onchange = () => openSchool(state.school).catch(() => {});
  $("tab-overview").onclick = () => show("overview");
  $("tab-agents").onclick = () => loadAgents().catch(() => {});
  refresh();
  // a wall screen: the overview and the agents refresh themselves each
  // minute while shown (the API caches answers for 2 s, so many screens
  // cost little)
  setInterval(() => {
    if (document.hidden) return;
    if (!$("overview").hidden) loadSchools().catch(() => {});
    else if (!$("agents").hidden) loadAgents().catch(() => {});
  }, 60000);
}

init();
