-- submit.lua - wrk script for bench/load.sh: every request files a ticket,
-- POST /api/v1/tickets as a customer (bearer token from GARANT_TOKEN).
-- Counts the answers that were not 201 Created, so that only acknowledged
-- submissions are reported as such.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("GARANT_TOKEN") or "")
wrk.body = '{"subject":"Export stops half way","body":"Since this morning the nightly export '
  .. 'stops with a timeout; the log is attached.","priority":3,"environment":"production"}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  other = 0
  first_other = ""
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, o, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    if sample == "" then sample = t:get("first_other") end
  end
  local secs = summary.duration / 1e6
  io.write(string.format("GARANT created=%d other=%d seconds=%.3f per_second=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    c, o, secs, c / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  if o > 0 then io.write("GARANT first non-201: " .. sample .. "\n") end
end
