-- GET the URL given to wrk. Arguments: max_requests.
local prepared

function init(args)
   max_requests = tonumber(args[1])
   prepared = wrk.format("GET")
end

function request()
   bench_count_request()
   return prepared
end
