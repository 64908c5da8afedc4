-- submit.lua - wrk script for bench/load.sh: every request files a ticket,
-- POST /api/v1/tickets as a customer (bearer token from GARANT_TOKEN).
--
-- Only acknowledged submissions are reported: wrk counts every answer
-- that is not 2xx or 3xx in summary.errors.status, and a successful
-- POST /api/v1/tickets has one answer, 201 Created, so the 201s are the
-- completed requests minus those. There is deliberately no response()
-- callback: wrk hands every response's headers and body to Lua when one
-- exists, which cost wrk ~40 us a request, on the same 2 cores as the
-- server. Before the measured run, load.sh files one ticket with a body
-- check, so a broken build shows its error text.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("GARANT_TOKEN") or "")
wrk.body = '{"subject":"Export stops half way","body":"Since this morning the nightly export '
  .. 'stops with a timeout; the log is attached.","priority":3,"environment":"production"}'

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local other = summary.errors.status
  local created = summary.requests - other
  io.write(string.format("GARANT created=%d other=%d failed=%d seconds=%.3f per_second=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    created, other, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    secs, created / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
