-- POST a create and take its task envelope. Arguments: max_requests, path, body template (with
-- {networkId}), comma-separated network ids. Remembers the last task id so the runner can wait for
-- the backlog of create tasks to drain before the next scenario.
local prepared
local next_index = 0

function init(args)
   max_requests = tonumber(args[1])
   prepared = bench_create_requests(args[2], args[3], args[4])
end

function request()
   bench_count_request()
   next_index = next_index % #prepared + 1
   return prepared[next_index]
end

function response(status, headers, body)
   local id = string.match(body, '"taskId"%s*:%s*"([%w%-]+)"')
   if status == 200 and id then
      last_task_id = id
      successes = successes + 1
   else
      failures = failures + 1
   end
end
