-- The hot path: the demo user of fixtures/users.yaml, the same request again and again.
-- BENCH_SCENARIO (optional) is sent as X-Mock-Scenario: the scenario path.
dofile("bench/report.lua")
wrk.method = "POST"
wrk.headers["Authorization"] = "key=demo-key"
wrk.headers["Content-Type"] = "application/json"
local scenario = os.getenv("BENCH_SCENARIO")
if scenario and scenario ~= "" then
  wrk.headers["X-Mock-Scenario"] = scenario
end
wrk.body = '{"user-get-recent-sessions": {"user": {"identifier-type": "username", ' ..
  '"identifier": "demo@example.com", "token": "87d4e3085af04671834ebeb127df33bf"}}}'
