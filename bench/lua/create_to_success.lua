-- Create-to-SUCCESS: POST a create, then long-poll its task with GET /v1/tasks/{id}?wait=N until it
-- ends. A connection that comes free polls a pending task if there is one, else starts a new create,
-- so at most one request per connection is in flight. successes counts creates whose task reached
-- SUCCESS. Arguments: max_requests, path, body template, comma-separated network ids, wait seconds.
local prepared
local next_index = 0
local pending = {}
local head, tail = 1, 0
local wait_seconds

function init(args)
   max_requests = tonumber(args[1])
   prepared = bench_create_requests(args[2], args[3], args[4])
   wait_seconds = args[5]
end

function request()
   bench_count_request()
   if head <= tail then
      local id = pending[head]
      pending[head] = nil
      head = head + 1
      return wrk.format("GET", "/v1/tasks/" .. id .. "?wait=" .. wait_seconds, nil, nil)
   end
   next_index = next_index % #prepared + 1
   return prepared[next_index]
end

function response(status, headers, body)
   if status ~= 200 then
      failures = failures + 1
      return
   end
   local task_status = string.match(body, '"taskStatus"%s*:%s*"(%u+)"')
   if task_status == "SUCCESS" then
      successes = successes + 1
   elseif task_status == "PENDING" then
      tail = tail + 1
      pending[tail] = string.match(body, '"taskId"%s*:%s*"([%w%-]+)"')
      last_task_id = pending[tail]
   else
      failures = failures + 1
   end
end
