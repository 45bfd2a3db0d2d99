-- wrk script: every request from a reader the site has not seen, as in a burst of new visitors following a link
-- (bench_http.py's "new visitor each request" row). A reader is their address and browser, so each request
-- names a browser of its own: the run's start time, the wrk thread and a counter.
local threads_made = 0

function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_number", threads_made)
end

function init(args)
  run_started = args[1] or "0"
  sent = 0
end

function request()
  sent = sent + 1
  -- wrk.format takes these instead of the -H headers, not beside them: copied, so gzip is still accepted.
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) bench_http new-visitor/" .. run_started .. "-" .. thread_number .. "-" .. sent
  return wrk.format("GET", nil, headers)
end
