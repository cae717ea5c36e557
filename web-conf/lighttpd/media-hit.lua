-- Quire Media: a variant that exists in the cache directory is served by
-- lighttpd itself (mod_staticfile), with the very caching headers
-- quire-media sends when it makes one. Misses are left alone: quire.conf
-- rewrites them to the program. Only answers found on disk get these
-- headers, never an error of the program.
local st = lighty.stat(lighty.env["physical.path"])
if st and st.is_file then
  lighty.header["Cache-Control"] = "public, max-age=31536000, immutable"
  lighty.header["X-Content-Type-Options"] = "nosniff"
end
return 0
