-- A whole lifecycle per instance: create, stop, start, destroy with purge, each step waited for by
-- long-polling its task (GET /v1/tasks/{id}?wait=N). A connection that comes free takes the next
-- step that is due (a task to poll, or an operation whose predecessor succeeded), else starts a new
-- create, so at most one request per connection is in flight. successes counts finished lifecycles.
-- Arguments: max_requests, instances path, create body template, comma-separated network ids, wait s.
--
-- A task's result is the instance as it stands after the step (contract 2.3): Running after the
-- create and after the start, Stopped after the stop, Destroyed after the destroy; the stage kept
-- per instance tells the create's Running from the start's.
local prepared
local next_index = 0
local due = {}
local head, tail = 1, 0
local stage = {}
local wait_seconds
local instances_path

function init(args)
   max_requests = tonumber(args[1])
   instances_path = args[2]
   prepared = bench_create_requests(args[2], args[3], args[4])
   wait_seconds = args[5]
end

local function push(kind, id)
   tail = tail + 1
   due[tail] = { kind, id }
end

function request()
   bench_count_request()
   if head <= tail then
      local step = due[head]
      due[head] = nil
      head = head + 1
      local kind, id = step[1], step[2]
      if kind == "poll" then
         return wrk.format("GET", "/v1/tasks/" .. id .. "?wait=" .. wait_seconds, nil, nil)
      elseif kind == "destroy" then
         return wrk.format("DELETE", instances_path .. "/" .. id, nil, '{"purgeImmediately":true}')
      end
      return wrk.format("POST", instances_path .. "/" .. id .. "?operation=" .. kind, nil, "{}")
   end
   next_index = next_index % #prepared + 1
   return prepared[next_index]
end

local function succeeded(body)
   -- The instance: in "result" of a task, in "data" of an envelope that is already SUCCESS.
   local section = string.match(body, '"result"%s*:%s*(%b{})')
   if section == nil and not string.find(body, '"result"', 1, true) then
      section = string.match(body, '"data"%s*:%s*(%b{})')
   end
   local id = section and string.match(section, '^{%s*"id"%s*:%s*"([%w%-]+)"')
   local state = section and string.match(section, '"state"%s*:%s*"(%a+)"')
   if id == nil or state == nil then
      failures = failures + 1
   elseif state == "Running" and stage[id] == "starting" then
      stage[id] = "destroying"
      push("destroy", id)
   elseif state == "Running" and stage[id] == nil then
      stage[id] = "stopping"
      push("stop", id)
   elseif state == "Stopped" then
      stage[id] = "starting"
      push("start", id)
   elseif state == "Destroyed" then
      stage[id] = nil
      successes = successes + 1
   else
      failures = failures + 1
   end
end

function response(status, headers, body)
   if status ~= 200 then
      failures = failures + 1
      return
   end
   local task_status = string.match(body, '"taskStatus"%s*:%s*"(%u+)"')
   if task_status == "PENDING" then
      local id = string.match(body, '"taskId"%s*:%s*"([%w%-]+)"')
      last_task_id = id
      push("poll", id)
   elseif task_status == "SUCCESS" then
      succeeded(body)
   else
      failures = failures + 1
   end
end
