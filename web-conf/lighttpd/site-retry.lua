-- Quire's reader site: when lighttpd cannot reach quire-post for a page it
-- does not have, it answers 503 with the theme's 503 page (quire.conf's
-- server.errorfile-prefix); this adds the Retry-After a client should
-- honour. quire-post's own 503s carry one already.
if lighty.r.req_item.http_status == 503 and not lighty.r.resp_header["Retry-After"] then
  lighty.r.resp_header["Retry-After"] = "30"
end
return 0
