-- Quire's reader site: lighttpd asks quire-post for a page it does not
-- have (server.error-handler). When quire-post cannot be reached, lighttpd
-- would answer that request with its own 404 (or 503): a miss is then a
-- 503 with the theme's 503 page (SITE/503.html, SITE being the document
-- root of the request) and the Retry-After a client should honour. An
-- answer of quire-post (it names its X-Request-Id) passes as it is.
local r = lighty.r
local status = r.req_item.http_status
if (status == 404 or status == 503) and not r.resp_header["X-Request-Id"] then
  r.resp_header["Retry-After"] = "30"
  r.resp_header["Cache-Control"] = "no-store"
  r.resp_header["Content-Type"] = "text/html; charset=utf-8"
  -- The site's folder: the document root, or its .gz (a gzip client's).
  local root = string.gsub(string.gsub(r.req_attr["physical.doc-root"], "/+$", ""), "/%.gz$", "")
  r.resp_body.set({ { filename = root .. "/503.html" } })
  return 503
end
return 0
