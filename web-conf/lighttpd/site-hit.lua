-- Quire's reader site: a page that exists in the site directory is sent by
-- lighttpd itself (mod_staticfile), with the headers quire-post sends when
-- it makes the page on a miss, so a page reads the same whichever sent it:
-- Content-Type by extension, Cache-Control no-cache (every use
-- revalidates; a 304 costs what a hit costs), Vary, nosniff, and the ETag
-- "SIZE-MTIME" in hex, MTIME in microseconds (Apache's FileETag MTime Size).
-- The .gz made when the page was stored goes to a client that takes gzip.
-- A path that is no file is left alone: quire.conf rewrites it to Post.
local types = {
  html = "text/html; charset=utf-8",
  css = "text/css; charset=utf-8",
  js = "text/javascript; charset=utf-8",
  svg = "image/svg+xml",
  png = "image/png",
  jpg = "image/jpeg",
  webp = "image/webp",
  woff2 = "font/woff2",
  ico = "image/x-icon",
  atom = "application/atom+xml; charset=utf-8",
  xml = "application/xml; charset=utf-8",
  txt = "text/plain; charset=utf-8",
}
local path = lighty.env["physical.path"]
local st = lighty.stat(path)
if not (st and st.is_file) then return 0 end
local ext = string.match(path, "%.(%w+)$")
if string.find(lighty.env["uri.path"], "^/assets/") then
  -- Fingerprinted names: a changed asset has another name.
  lighty.header["Cache-Control"] = "public, max-age=31536000, immutable"
else
  lighty.header["Cache-Control"] = "no-cache"
end
lighty.header["X-Content-Type-Options"] = "nosniff"
lighty.header["Content-Type"] = types[ext] or "application/octet-stream"
local gz = lighty.stat(path .. ".gz")
if gz and gz.is_file then
  lighty.header["Vary"] = "Accept-Encoding"
  -- gzip named without a zero weight (gzip;q=0 refuses it).
  local ae = string.lower(lighty.request["Accept-Encoding"] or "")
  local named = false
  local refused = false
  for item in string.gmatch(ae, "[^,]+") do
    local coding, params = string.match(item, "^%s*([%w%-%*]+)%s*(.*)$")
    if coding == "gzip" or coding == "x-gzip" then
      named = true
      local q = string.match(params or "", "q%s*=%s*([%d%.]+)")
      refused = q ~= nil and tonumber(q) == 0
    end
  end
  if named and not refused then
    path = path .. ".gz"
    st = gz
    lighty.header["Content-Encoding"] = "gzip"
    lighty.env["physical.path"] = path
  end
end
lighty.header["ETag"] = string.format('"%x-%x"', st.st_size, st.st_mtime * 1000000)
return 0
