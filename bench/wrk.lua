-- wrk script for bench/city.py: counts the answers by HTTP status, and for the share form sends each POST with a
-- form_key of its own (the site stores a repeated form_key once) and counts the sends accepted, which are the
-- 303 redirects to the receipt page /share/sent. done() prints lines starting "bench " that city.py reads.
--
--   wrk ... -s bench/wrk.lua http://127.0.0.1:PORT/path -- get
--   wrk ... -s bench/wrk.lua http://127.0.0.1:PORT/share -- share '<form fields, URL-encoded>' <form_key prefix>

local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

local mode, fields, prefix, plain
-- Globals of each thread's own Lua state, read back in done() through thread:get.
sent, answered, accepted, statuses = 0, 0, 0, {}

function init(args)
  mode = args[1] or "get"
  if mode == "share" then
    fields, prefix = args[2], args[3]
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    plain = wrk.format()
  end
end

function request()
  sent = sent + 1
  if mode ~= "share" then
    return plain
  end
  return wrk.format(nil, nil, nil, fields .. "&form_key=" .. prefix .. "-" .. number .. "-" .. sent)
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status == 303 then
    local location = headers["Location"] or headers["location"] or ""
    if string.find(location, "/share/sent", 1, true) then
      accepted = accepted + 1
    end
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, answered = 0, accepted = 0 }
  local merged = {}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  io.write(string.format("bench sent %d answered %d accepted %d\n", totals.sent, totals.answered, totals.accepted))
  for status, count in pairs(merged) do
    io.write(string.format("bench status %d %d\n", status, count))
  end
end
