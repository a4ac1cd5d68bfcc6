-- The cold path (mock started with --any-user): every request names a user never seen before, so
-- each answer is a full generation (nothing cached can serve it). Identifiers are unique per run:
-- a random run prefix, the wrk thread number and a counter.
dofile("bench/report.lua")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
local prefix, counter  -- "number" is the global that setup() gave this thread
function init(args)
  math.randomseed(os.time() + (number or 0))
  prefix = string.format("%06X", math.random(0, 0xFFFFFF))
  counter = 0
end
function request()
  counter = counter + 1
  local body = string.format('{"user-get-recent-sessions": {"user": {"identifier-type": "rfid", ' ..
    '"identifier": "B%s%02d%010d"}}}', prefix, number or 0, counter)
  return wrk.format("POST", nil, {["Authorization"] = "key=demo-key",
    ["Content-Type"] = "application/json"}, body)
end
