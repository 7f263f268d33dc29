// Drives the dashboard in headless Chromium (Debian's /usr/bin/chromium
// through playwright-core from collector/web/node_modules) against a real
// collector: the overview loads the demo district, a filter narrows the
// table to what the API says, the drill-down chart renders, the language
// switch works. Screenshots go to OUT.
// usage: node dashboard.mjs URL TOKEN OUT EXPECT_JSON
//   EXPECT_JSON: {"total": N, "county": N, "fails": N, "school": CODE,
//                 "school_name": "...", "classes": N}
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [url, token, out, expectPath] = process.argv.slice(2);
const expect = JSON.parse(fs.readFileSync(expectPath, "utf8"));
const webDir = process.env.WEB_DIR;
const require = createRequire(path.join(webDir, "package.json"));
const { chromium } = require("playwright-core");

function check(cond, msg) {
  if (!cond) {
    console.error("FAIL: " + msg);
    process.exitCode = 1;
    throw new Error(msg);
  }
  console.log("ok: " + msg);
}

const profile = fs.mkdtempSync(path.join(out, "profile-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1400, height: 900 },
  timeout: 30000,
});
const failedRequests = [];
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on("console", (m) => { if (m.type() === "error") console.log("console: " + m.text()); });
  // any request off this collector would be a CDN load: refuse and record it
  const origin = new URL(url).origin;
  await page.route("**/*", (route) => {
    if (route.request().url().startsWith(origin)) return route.continue();
    failedRequests.push(route.request().url());
    return route.abort();
  });

  await page.goto(url + "/ui/#token=" + encodeURIComponent(token));
  await page.waitForSelector("#schools tbody tr[data-code]");
  let rows = await page.locator("#schools tbody tr[data-code]").count();
  check(rows === expect.total, `overview lists ${rows} schools, API says ${expect.total}`);
  const title = await page.title();
  check(title.includes("区县"), "Chinese labels by default: " + title);
  await page.waitForSelector("#rule-table tbody tr");
  await page.screenshot({ path: path.join(out, "overview.png"), fullPage: true });

  // filter: county schools only
  await page.selectOption("#f-region", "county");
  rows = await page.locator("#schools tbody tr[data-code]").count();
  check(rows === expect.county, `region filter shows ${rows} county schools, expected ${expect.county}`);
  // and the verdict filter on top of it
  await page.selectOption("#f-region", "");
  await page.selectOption("#f-verdict", "fails");
  rows = await page.locator("#schools tbody tr[data-code]").count();
  check(rows === expect.fails, `verdict filter shows ${rows} failing schools, expected ${expect.fails}`);
  const verdicts = await page.locator("#schools tbody tr[data-code] td[data-verdict]:nth-child(6)").allTextContents();
  check(verdicts.every((v) => v === "未达标"), "every filtered row says 未达标");
  await page.screenshot({ path: path.join(out, "filtered.png"), fullPage: true });
  await page.selectOption("#f-verdict", "");
  await page.fill("#f-q", expect.school_name);
  rows = await page.locator("#schools tbody tr[data-code]").count();
  check(rows === 1, "search by Chinese name finds one school");

  // sorting by code descending puts the last code first
  await page.fill("#f-q", "");
  await page.click("#schools th[data-key=code]");
  const first = await page.locator("#schools tbody tr[data-code]").first().getAttribute("data-code");
  check(first === expect.last_code, `sorted descending, first row ${first}`);

  // drill-down
  await page.click(`#schools tbody tr[data-code="${expect.school}"]`);
  await page.waitForSelector("#chart-traffic .uplot canvas");
  const series = await page.locator("#chart-traffic .u-legend .u-series").count();
  check(series === expect.classes + 1, `traffic chart has ${series - 1} class series, expected ${expect.classes}`);
  const box = await page.locator("#chart-traffic canvas").first().boundingBox();
  check(box && box.width > 300 && box.height > 100, "chart canvas has a size");
  // the canvas is not blank: some pixels differ from the background
  const inked = await page.evaluate(() => {
    const c = document.querySelector("#chart-traffic canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] !== 0) n++;
    return n;
  });
  check(inked > 500, `chart drew ${inked} pixels`);
  await page.waitForSelector("#chart-devices .uplot canvas");
  await page.waitForSelector("#latest tbody tr");
  const title2 = await page.textContent("#school-title");
  check(title2.includes(expect.school_name), "drill-down title names the school");
  await page.screenshot({ path: path.join(out, "school.png"), fullPage: true });

  // hourly buckets
  await page.selectOption("#bucket", "hour");
  await page.waitForSelector("#chart-traffic .uplot canvas");
  await page.screenshot({ path: path.join(out, "school-hourly.png"), fullPage: true });

  // English labels
  await page.click("#lang");
  await page.waitForFunction(() => document.title.startsWith("classband district"));
  check((await page.textContent("#back")).includes("Back"), "English labels after the switch");
  await page.click("#back");
  await page.click("#tab-agents");
  await page.waitForSelector("#agent-table tbody tr[data-agent]");
  const agents = await page.locator("#agent-table tbody tr[data-agent]").count();
  check(agents === expect.agents, `agent table lists ${agents} agents, expected ${expect.agents}`);
  await page.screenshot({ path: path.join(out, "agents.png"), fullPage: true });

  // a wrong token is refused and the page says so
  await page.evaluate(() => localStorage.setItem("classband.token", "wrong-token-xxxxxxxxxx"));
  await page.goto(url + "/ui/");
  await page.waitForSelector("#error:not([hidden])");
  await page.screenshot({ path: path.join(out, "unauthorized.png"), fullPage: true });
  check(true, "wrong token shows the error box");
  check(failedRequests.length === 0, "no request left the collector: " + failedRequests.join(" "));
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
