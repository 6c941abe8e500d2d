-- wrk reporter: one machine-readable line per run.
-- RESULT <requests/s> <p50 ms> <p95 ms> <p99 ms> <non-2xx> <requests>
done = function(summary, latency, requests)
  local rps = summary.requests / (summary.duration / 1e6)
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %d\n",
    rps,
    latency:percentile(50) / 1000,
    latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.status,
    summary.requests))
end
