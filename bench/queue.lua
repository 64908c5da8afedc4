-- queue.lua - wrk script for bench/load.sh: the agents' queue page,
-- GET /api/v1/queue?limit=50 as an agent (bearer token from GARANT_TOKEN).
-- Counts the answers that were not 200 and prints the latency percentiles
-- on one line the script reads.
wrk.method = "GET"
wrk.path = "/api/v1/queue?limit=50"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("GARANT_TOKEN") or "")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
  first_other = ""
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, o, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("ok")
    o = o + t:get("other")
    if sample == "" then sample = t:get("first_other") end
  end
  local secs = summary.duration / 1e6
  io.write(string.format("GARANT ok=%d other=%d seconds=%.3f per_second=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    c, o, secs, c / secs, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  if o > 0 then io.write("GARANT first non-200: " .. sample .. "\n") end
end
