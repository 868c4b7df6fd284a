-- 95-webhookd-load.lua: wrk script for 95-webhookd-load.sh.  Every request
-- is one alert of its own (alertname Load-TAG-THREAD-N, TAG from the
-- LOAD_TAG environment variable), so each acknowledged request can be found
-- in the database; 2xx answers are counted per thread and summed at the end.
local threads = {}
local n = 0
local tag = os.getenv("LOAD_TAG") or "x"

function setup(thread)
	n = n + 1
	thread:set("tid", n)
	thread:set("tag", tag)
	table.insert(threads, thread)
end

function init(args)
	seq = 0
	acked = 0
	other = 0
end

function request()
	seq = seq + 1
	local body = '{"version":"4","status":"firing","alerts":[{"status":"firing",' ..
		'"labels":{"alertname":"Load-' .. tag .. '-' .. tid .. '-' .. seq ..
		'","cluster_id":"c-load","severity":"warning"},"annotations":{"summary":"load"},' ..
		'"startsAt":"2026-03-10T14:03:22Z","endsAt":"0001-01-01T00:00:00Z"}]}'
	return wrk.format("POST", "/alertmanager", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
	if status >= 200 and status < 300 then
		acked = acked + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local a, o, s = 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("acked")
		o = o + t:get("other")
		s = s + t:get("seq")
	end
	io.write(string.format("acked %d\nother %d\nsent %d\n", a, o, s))
	io.write(string.format("p50_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
