-- wrk script of bench.dossier_submit: one phase of load against one endpoint.
--
--   wrk -s bench/load.lua URL -- post TOKEN PATH BODY_FILE KEY_PREFIX [PREFER]
--       every request has its own Idempotency-Key (KEY_PREFIX-thread-n) and its own applicant ID
--       number (@ID@ in the body is replaced), as distinct submissions from a portal would; with
--       PREFER, a `Prefer: PREFER` header (respond-async);
--   wrk -s bench/load.lua URL -- get TOKEN PATH_PREFIX LIST_FILE
--       GET PATH_PREFIX..item over the items of LIST_FILE (one a line), each thread from its own offset.
--
-- Any answer outside 2xx is counted (wrk itself only counts >= 400); done() prints one line
-- `WRK-RESULT {json}` with the figures and, if there was one, `WRK-SAMPLE` with a bad answer.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function init(args)
   mode, path = args[1], args[3]
   headers = { ["Authorization"] = "Token " .. args[2], ["Accept"] = "application/json" }
   n = 0
   non2xx = 0
   first_bad = nil
   if mode == "post" then
      local file = assert(io.open(args[4], "rb"))
      template = file:read("*a")
      file:close()
      prefix = args[5]
      headers["Content-Type"] = "application/json"
      if args[6] ~= nil and #args[6] > 0 then
         headers["Prefer"] = args[6]
      end
   else
      items = {}
      for line in io.lines(args[4]) do
         if #line > 0 then
            table.insert(items, line)
         end
      end
      assert(#items > 0, "empty list " .. args[4])
      -- Threads start far apart in the list so that they do not read the same rows in step.
      n = (tid * 7919) % #items
   end
end

function request()
   n = n + 1
   if mode == "post" then
      headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. n
      local body = template:gsub("@ID@", string.format("079%d%08d", tid, n))
      return wrk.format("POST", path, headers, body)
   end
   return wrk.format("GET", path .. items[(n % #items) + 1], headers)
end

function response(status, response_headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_bad == nil then
         first_bad = status .. " " .. (string.sub(body or "", 1, 300):gsub("%s+", " "))
      end
   end
end

function done(summary, latency, requests)
   local bad, sample = 0, ""
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      local first = thread:get("first_bad")
      if first ~= nil and sample == "" then
         sample = first
      end
   end
   local e = summary.errors
   io.write(string.format(
      'WRK-RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
         .. '"write_errors": %d, "timeouts": %d, "non2xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
         .. '"max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, bad,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean
   ))
   if sample ~= "" then
      io.write("WRK-SAMPLE " .. sample .. "\n")
   end
end
