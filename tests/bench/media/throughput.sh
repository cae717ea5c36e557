#!/bin/sh
# Media's wrk figures, for make bench, against a running stack (make run, or
# quire-stack on another port):
#   - a cached variant GET /media/ID/w/640.webp, as a ratio to lighttpd
#     serving the very same file statically (target >= 90 %: a hit never
#     enters quire-media);
#   - metadata GET /media/ID, in requests/second (make bench divides it by
#     the floor program's figure; target >= 90 %), and as a ratio to a static
#     file of the same size, for reference.
#
#   tests/bench/media/throughput.sh BASE_URL VAR_DIR ADMIN_PASSWORD [SECONDS]
#
# Needs wrk, vips (libvips-tools), curl and jq. Leaves one item and two
# files in VAR_DIR/www behind; re-runnable.
set -eu
base=$1 var=$2 password=$3 secs=${4:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

token=$(curl -fsS "$base/auth/login" -H 'Content-Type: application/json' \
	-d "{\"username\":\"admin\",\"password\":\"$password\"}" | jq -r .access_token)
vips gaussnoise "$tmp/n.v" 1600 1200
vips cast "$tmp/n.v" "$tmp/n8.v" uchar
vips bandjoin "$tmp/n8.v $tmp/n8.v $tmp/n8.v" "$tmp/photo.jpg"
id=$(curl -fsS "$base/media" -H "Authorization: Bearer $token" -F "file=@$tmp/photo.jpg" |
	jq -r .id)
curl -fsS -o "$tmp/variant.webp" "$base/media/$id/w/640.webp"	# the miss makes it
curl -fsS -o "$tmp/meta.json" "$base/media/$id"
cp "$tmp/variant.webp" "$var/www/bench-variant.webp"
cp "$tmp/meta.json" "$var/www/bench-meta.json"

# Prints the requests/second wrk reaches on url.
rps() {
	wrk -t2 -c32 -d"${secs}s" "$1" | awk '/^Requests\/sec/ { print $2 }'
}

static_variant=$(rps "$base/bench-variant.webp")
cached_variant=$(rps "$base/media/$id/w/640.webp")
static_meta=$(rps "$base/bench-meta.json")
meta=$(rps "$base/media/$id")
printf '%-44s %12s %8s\n' "Media (wrk -t2 -c32, ${secs}s each)" "requests/s" "ratio"
printf '%-44s %12s %8s\n' "static file, variant's size" "$static_variant" "1.00"
printf '%-44s %12s %8s\n' "GET /media/ID/w/640.webp (cached)" "$cached_variant" \
	"$(echo "$cached_variant $static_variant" | awk '{ printf "%.2f", $1 / $2 }')"
printf '%-44s %12s %8s\n' "static file, metadata's size" "$static_meta" "1.00"
printf '%-44s %12s %8s\n' "GET /media/ID (metadata)" "$meta" \
	"$(echo "$meta $static_meta" | awk '{ printf "%.2f", $1 / $2 }')"
