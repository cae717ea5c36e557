-- Quire: an error lighttpd makes itself on /auth, /posts or /media (a body
-- over server.max-request-size, a program that is down, a request it cannot
-- read) goes out in the one error shape the programs answer with:
-- {"error":{"code","message","status"}} as application/json, with
-- Retry-After when the program did not answer. Run at response start
-- (magnet.attract-response-start-to in quire.conf) on every response of
-- those paths: answers of the programs, which are JSON already, and
-- successes pass untouched. Keep in sync with the ErrorDocument lines of
-- web-conf/apache/quire.conf, so both web servers answer alike.
local r = lighty.r
local status = r.req_item.http_status
if status < 400 then
  return 0
end
local ct = r.resp_header["Content-Type"]
if ct and ct:find("^application/json") then
  return 0
end

local errors = {
  [400] = { "bad_request", "the request is malformed" },
  [403] = { "forbidden", "the web server refused this request" },
  [404] = { "not_found", "no such resource" },
  [405] = { "method_not_allowed", "this method is not allowed here" },
  [408] = { "request_timeout", "the request did not arrive in time" },
  [411] = { "length_required", "the body needs a Content-Length" },
  [413] = { "body_too_large", "the body is larger than this path accepts" },
  [414] = { "uri_too_long", "the URL is too long" },
  [417] = { "expectation_failed", "only Expect: 100-continue is understood" },
  [431] = { "headers_too_large", "the request headers are too large" },
  [500] = { "internal_error", "the web server could not answer" },
  [501] = { "not_implemented", "the web server does not implement this" },
  [502] = { "bad_gateway", "the program behind this path answered nothing usable" },
  [503] = { "service_unavailable", "the program behind this path is not running" },
  [504] = { "gateway_timeout", "the program behind this path did not answer in time" },
}
local e = errors[status] or (status < 500 and errors[400] or errors[500])
if status >= 502 and status <= 504 then
  r.resp_header["Retry-After"] = "1"
end
r.resp_header["Content-Type"] = "application/json"
r.resp_header["Cache-Control"] = "no-store"
r.resp_header["X-Content-Type-Options"] = "nosniff"
r.resp_body.set({ string.format('{"error":{"code":"%s","message":"%s","status":%d}}',
  e[1], e[2], status) })
-- Returning the status makes lighttpd send the body as a whole, with its length.
return status
