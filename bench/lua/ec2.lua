-- POST one EC2 query (form-encoded) to moto's server. Arguments: max_requests, the query body, the
-- Authorization header (a credential scope that only routes the request to EC2; moto checks no
-- signature). successes counts 200 answers.
local prepared

function init(args)
   max_requests = tonumber(args[1])
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Authorization"] = args[3]
   prepared = wrk.format("POST", "/", nil, args[2])
end

function request()
   bench_count_request()
   return prepared
end

function response(status, headers, body)
   if status == 200 then
      successes = successes + 1
   else
      failures = failures + 1
   end
end
