-- wrk script: each request books one economy seat on one of the flights listed in the file
-- named by AIRFLEET_BENCH_FLIGHTS (one id per line), in turn, and waits for the outcome.
local flights = {}
for line in io.lines(os.getenv("AIRFLEET_BENCH_FLIGHTS")) do flights[#flights + 1] = line end
local token = os.getenv("AIRFLEET_BENCH_TOKEN")
local counter = 0

request = function()
    counter = counter + 1
    local flight = flights[(counter % #flights) + 1]
    local body = '{"flightId":"' .. flight .. '","cabin":"economy","paymentToken":"tok_visa",' ..
        '"passengers":[{"firstName":"Bench","lastName":"Mark","dateOfBirth":"1990-01-01"}]}'
    local headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
        ["Prefer"] = "wait=30",
    }
    return wrk.format("POST", "/v1/bookings", headers, body)
end

done = function(summary, latency, requests)
    io.write(string.format("bookings: %d requests in %.1f s; p50 %.1f ms, p99 %.1f ms\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
