-- wrk script: 50 NOC clients cycling through the API's main reads with
-- the bearer token from the environment (TOKEN). /metrics is left out:
-- Prometheus scrapes it every 15-60 s, not 50 clients in a loop (the load
-- script scrapes it once a second beside them).
local paths = {
  "/api/v1/schools?pack=hefei&year=2020&limit=1000",
  "/api/v1/schools/HF101",
  "/api/v1/schools/HF104/series?bucket=day&from=2020-11-23&to=2020-12-12",
  "/api/v1/agents?limit=100",
  "/api/v1/evaluations/latest?pack=hefei&year=2020",
  "/api/v1/packs",
  "/api/v1/schools/HF107/series?bucket=hour",
  "/api/v1/status",
}
local i = 0
local token = os.getenv("TOKEN")
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1],
                    { ["Authorization"] = "Bearer " .. token })
end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("wrk: requests=%d non2xx=%d errors=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f rps=%.1f\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
