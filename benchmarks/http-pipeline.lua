-- wrk script for http-compare.sh: every request wrk writes is DEPTH pipelined GET requests for
-- the path given as the script's argument (default /plaintext); DEPTH comes from WRK_PIPELINE (16).
-- wrk parses and counts each response, so its requests/s and latencies are per HTTP request.
local depth = tonumber(os.getenv("WRK_PIPELINE") or "16")

function init(args)
  local path = args[1] or "/plaintext"
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format("GET", path)
  end
  req = table.concat(r)
end

function request()
  return req
end
