#!/bin/bash
# The README's "Try it", run as a newcomer runs it: every ```sh block under
# "## Try it", in order, in one shell, against a fresh `make run` stack
# (build/quire-stack, as `make run` starts it) on a free port. Only the port
# changes (127.0.0.1:8080 becomes 127.0.0.1:PORT). Fails on any command that
# exits non-zero (curl is made to fail on an HTTP error status), and on an
# answer that lacks what the README promises (EXPECT below).
#
#   tests/docs/try_it.sh BUILD_DIR [WEB]
set -u

build=${1:?usage: try_it.sh BUILD_DIR [lighttpd|apache]}
web=${2:-lighttpd}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
readme=$root/README.md

# What the blocks' output must hold, in order of the README.
EXPECT=(
	'"username":"alice"'
	'"status": "published"'
	'<p>My <em>first</em> post, about <strong>otters</strong>.</p>'
	'<title type="text">Hello, Quire</title>'
	'<title>Hello, Quire — '
	'"mime": "image/jpeg"'
	'200 image/webp'
	'srcset='
)

tmp=$(mktemp -d /tmp/quire-test-XXXXXX)
chmod 0755 "$tmp"
stack_pid=
cleanup() {
	if [ -n "$stack_pid" ]; then
		kill -INT "$stack_pid" 2>/dev/null
		wait "$stack_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The blocks: fenced ```sh between "## Try it" and the next "## ".
awk '/^## /{ on = ($0 == "## Try it") } on && /^```/{ if (!inb && $0 == "```sh") { inb = 1; n++; print "echo \"== block " n "\""; next } if (inb) { inb = 0; next } } on && inb' \
	"$readme" > "$tmp/blocks.sh"
nblocks=$(grep -c '^echo "== block' "$tmp/blocks.sh")
[ "$nblocks" -ge 3 ] || fail "README.md: found $nblocks sh blocks under '## Try it', expected at least 3"
grep -q '127.0.0.1:8080' "$tmp/blocks.sh" || fail "README.md: the Try it blocks do not name 127.0.0.1:8080"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/127\.0\.0\.1:8080/127.0.0.1:$port/g" "$tmp/blocks.sh"

export QUIRE_ADMIN_USER=admin
export QUIRE_ADMIN_PASSWORD="try it $$ $RANDOM"
mkdir "$tmp/work"
"$build/quire-stack" --var "$tmp/var" --port "$port" --build "$build" --web "$web" \
	> "$tmp/stack.log" 2>&1 &
stack_pid=$!

# Wait (generously) until every program answers its health check.
up=0
for _ in $(seq 600); do
	kill -0 "$stack_pid" 2>/dev/null || break
	up=0
	for p in auth posts media; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$p/health")" = 200 ] && up=$((up + 1))
	done
	[ "$up" = 3 ] && break
	sleep 0.1
done
if [ "$up" != 3 ]; then
	tail -n 40 "$tmp/stack.log" >&2
	fail "the stack did not come up on port $port"
fi

cd "$tmp/work" || fail "no work directory"
{
	echo 'set -euo pipefail'
	echo 'curl() { command curl --fail-with-body "$@"; }'
	echo 'set -x'
	cat "$tmp/blocks.sh"
} > "$tmp/run.sh"
if ! bash "$tmp/run.sh" > "$tmp/out" 2> "$tmp/trace"; then
	cat "$tmp/out"
	tail -n 20 "$tmp/trace" >&2
	fail "a Try it command failed (the last one traced above)"
fi

# Every expected piece, in order.
rest=$(cat "$tmp/out")
for e in "${EXPECT[@]}"; do
	case $rest in
	*"$e"*) rest=${rest#*"$e"} ;;
	*) cat "$tmp/out"; fail "the Try it output lacks, in order: $e" ;;
	esac
done
echo "ok: README Try it, $nblocks blocks against make run's stack behind $web"
