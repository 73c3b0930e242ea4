-- wrk script for bench/load_bench.py (and tests/e2e/test_load.py): every request is a
-- different, already-signed webhook call read from a file, so none is a replay.
--
--   wrk ... -s webhook_load.lua URL -- REQUESTS.tsv PATH THREADS ACCEPTED-PREFIX
--
-- REQUESTS.tsv holds one request per line: <timestamp> TAB <signature> TAB <JSON body>.
-- Thread n of N sends lines n, n+N, n+2N... When its share runs out it sends GET /healthz
-- and counts it as "exhausted", so the figures never include a request sent twice.
-- Each thread writes the receipt ("delivery") of every accepted (2xx) answer to
-- ACCEPTED-PREFIX<n>, so the caller can check each one is in the database exactly once. At the end one line
-- "LOAD-RESULT {json}" gives the counts by status and the latency.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[3])
  path_ = args[2]
  accepted = io.open(args[4] .. id, "w")
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then
      table.insert(lines, line)
    end
    n = n + 1
  end
  total = #lines
  sent = 0
  exhausted = 0
  statuses = {}
end

function request()
  sent = sent + 1
  local line = lines[sent]
  if line == nil then
    exhausted = exhausted + 1
    return wrk.format("GET", "/healthz")
  end
  local timestamp, signature, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
  return wrk.format("POST", path_, {
    ["Content-Type"] = "application/json",
    ["X-Leadflow-Timestamp"] = timestamp,
    ["X-Leadflow-Signature"] = signature,
  }, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 then
    local delivery = body:match('"delivery": *"(%x+)"')
    if delivery then
      accepted:write(delivery, "\n")
    end
    accepted:flush()
  end
end

function done(summary, latency, requests)
  local counts = {}
  local signed = 0
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    local share = thread:get("statuses")
    for status, count in pairs(share) do
      counts[status] = (counts[status] or 0) + count
    end
    signed = signed + math.min(thread:get("sent"), thread:get("total"))
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'LOAD-RESULT {"requests": %d, "seconds": %.3f, "signed_sent": %d, "exhausted": %d, ' ..
    '"statuses": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}, "latency_ms": {"p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f, ' ..
    '"mean": %.2f}}\n',
    summary.requests, summary.duration / 1e6, signed, exhausted_total,
    table.concat(parts, ", "),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
