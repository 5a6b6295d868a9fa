-- wrk (Debian's package) script for the KhaiBao benchmarks (scripts/benchlib.py).
-- Each thread sends, in turn, its own share of raw HTTP/1.1 requests prepared in a file
-- (length-prefixed: "<bytes>\n<request>"), checks every answer's status and that the
-- body holds the expected text, and reports its counts; done() prints one JSON line.
-- Arguments: <requests file> <threads> <expected text> <statuses, comma-separated>
--            <once: 1|0> <first request of each thread, comma-separated>

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local share, first, expect, statuses, once = {}, 0, "", {}, false
sent, ok, bad, exhausted = 0, 0, 0, 0

local function split(text)
  local items = {}
  for item in string.gmatch(text, "[^,]+") do table.insert(items, item) end
  return items
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  local all, pos = {}, 1
  while pos <= #data do
    local newline = string.find(data, "\n", pos, true)
    local size = tonumber(string.sub(data, pos, newline - 1))
    table.insert(all, string.sub(data, newline + 1, newline + size))
    pos = newline + 1 + size
  end
  local count = tonumber(args[2])
  local size = math.max(1, math.floor(#all / count))
  for i = id * size + 1, math.min((id + 1) * size, #all) do table.insert(share, all[i]) end
  if #share == 0 then share = all end
  expect = args[3]
  for _, code in ipairs(split(args[4])) do statuses[tonumber(code)] = true end
  once = args[5] == "1"
  first = tonumber(split(args[6])[id + 1] or "0")
end

function request()
  local index = first + sent
  if once and index >= #share then exhausted = 1 end
  sent = sent + 1
  return share[(index % #share) + 1]
end

-- The expected text may be in the body or in a header line ("Location: /cham-soc/").
local function expected(headers, body)
  if expect == "" or string.find(body, expect, 1, true) then return true end
  for name, value in pairs(headers) do
    if string.find(name .. ": " .. value, expect, 1, true) then return true end
  end
  return false
end

function response(status, headers, body)
  if statuses[status] and expected(headers, body) then
    ok = ok + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local totals, positions = { ok = 0, bad = 0, exhausted = 0 }, {}
  for _, thread in ipairs(threads) do
    totals.ok = totals.ok + thread:get("ok")
    totals.bad = totals.bad + thread:get("bad")
    totals.exhausted = math.max(totals.exhausted, thread:get("exhausted"))
    positions[thread:get("id") + 1] = thread:get("sent")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"ok": %d, "bad": %d, "exhausted": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d,'
      .. ' "p99_us": %d, "socket_errors": %d, "positions": [%s]}\n',
    totals.ok, totals.bad, totals.exhausted, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout,
    table.concat(positions, ",")))
end
