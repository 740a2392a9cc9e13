-- Shared by every scenario (the runner prepends this file to the scenario's script).
-- Each wrk thread has its own Lua state: the counters below are per thread and done() adds them up.
-- The request count is bounded: a thread stops itself after max_requests requests.

local bench_threads = {}
max_requests = 1000000
sent = 0
successes = 0
failures = 0
last_task_id = ""

function setup(thread)
   table.insert(bench_threads, thread)
end

function bench_count_request()
   sent = sent + 1
   if sent >= max_requests then
      wrk.thread:stop()
   end
end

-- "a,b,c" -> { "a", "b", "c" }
function bench_split(text)
   local items = {}
   for item in string.gmatch(text or "", "[^,]+") do
      table.insert(items, item)
   end
   return items
end

-- One pre-formatted create request per network, so consecutive creates spread over the networks.
function bench_create_requests(path, body_template, networks)
   local requests = {}
   for _, network in ipairs(bench_split(networks)) do
      local body = string.gsub(body_template, "{networkId}", network)
      wrk.headers["Content-Type"] = "application/json"
      table.insert(requests, wrk.format("POST", path, nil, body))
   end
   return requests
end

function done(summary, latency, requests)
   local total_successes, total_failures, task = 0, 0, ""
   for _, thread in ipairs(bench_threads) do
      total_successes = total_successes + (thread:get("successes") or 0)
      total_failures = total_failures + (thread:get("failures") or 0)
      local id = thread:get("last_task_id")
      if id and id ~= "" then task = id end
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
      '"successes":%d,"failures":%d,"last_task_id":"%s"}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      total_successes, total_failures, task))
end
