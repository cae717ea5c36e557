-- Quire Media: a variant that exists in the cache directory is served by
-- lighttpd itself (mod_staticfile), with the very caching headers
-- quire-media sends when it makes one: Cache-Control, and the ETag made
-- from the file's mtime (in microseconds, in hex: Apache's FileETag MTime,
-- so it is the same behind either server). Misses are left alone:
-- quire.conf rewrites them to the program. Only answers found on disk get
-- these headers, never an error of the program.
local st = lighty.stat(lighty.env["physical.path"])
if st and st.is_file then
  lighty.header["Cache-Control"] = "public, max-age=31536000, immutable"
  lighty.header["X-Content-Type-Options"] = "nosniff"
  lighty.header["ETag"] = string.format('"%x"', st.st_mtime * 1000000)
end
return 0
