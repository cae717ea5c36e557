#!/bin/bash
# The documentation's commands, run as a newcomer runs them, against a fresh
# `make run` stack (build/quire-stack, as `make run` starts it) on a free
# port. Only the port changes (127.0.0.1:8080 becomes 127.0.0.1:PORT). Fails
# on any command that exits non-zero (curl is made to fail on an HTTP error
# status), and on an answer that lacks what the documentation promises.
#
#   tests/docs/try_it.sh BUILD_DIR [WEB [SOURCE]]
#
# SOURCE is
#   readme  every ```sh block under "## Try it" in README.md, in order, in one
#           shell; the output must hold EXPECT below, in order
#   man     every block of the man pages marked `.\" run: dev`
#           (tests/docs/man_blocks.py), each in a shell and a directory of its
#           own, with $ADMIN_PASSWORD the admin's password; check_man_block
#           below checks what each promises
set -u

build=${1:?usage: try_it.sh BUILD_DIR [lighttpd|apache [readme|man]]}
web=${2:-lighttpd}
source=${3:-readme}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
readme=$root/README.md

# What the README's blocks' output must hold, in order of the README.
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

# The blocks, one file each in $tmp/blocks, in order.
mkdir "$tmp/blocks"
case $source in
readme)
	# Fenced ```sh between "## Try it" and the next "## ".
	awk -v dir="$tmp/blocks" '/^## /{ on = ($0 == "## Try it") }
		on && /^```/{ if (!inb && $0 == "```sh") { inb = 1; f = sprintf("%s/README.md.%d.sh", dir, ++n); next }
			if (inb) { inb = 0; close(f); next } }
		on && inb { print > f }' "$readme"
	min=3
	;;
man)
	/usr/bin/python3 "$root/tests/docs/man_blocks.py" extract dev "$tmp/blocks" >/dev/null ||
		fail "man_blocks.py could not extract the dev blocks"
	min=1
	;;
*) fail "SOURCE is readme or man, not $source" ;;
esac
names=$(cd "$tmp/blocks" && ls -v)
nblocks=$(echo "$names" | grep -c .)
[ "$nblocks" -ge "$min" ] || fail "$source: found $nblocks blocks to run, expected at least $min"
grep -q '127.0.0.1:8080' "$tmp"/blocks/* || fail "$source: the blocks do not name 127.0.0.1:8080"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/127\.0\.0\.1:8080/127.0.0.1:$port/g" "$tmp"/blocks/*

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

# run_blocks OUT TRACE FILE...: the blocks in one shell, in the current directory.
run_blocks() {
	local out=$1 trace=$2
	shift 2
	{
		echo 'set -euo pipefail'
		echo 'curl() { command curl --fail-with-body "$@"; }'
		echo 'set -x'
		for f in "$@"; do
			echo "echo \"== ${f##*/}\""
			cat "$f"
		done
	} > "$tmp/run.sh"
	if ! bash "$tmp/run.sh" > "$out" 2> "$trace"; then
		cat "$out"
		tail -n 20 "$trace" >&2
		fail "a command of $source failed (the last one traced above)"
	fi
}

# check_man_block NAME DIR: what the dev block NAME of the man pages promises,
# in DIR where it ran (its output in DIR/out).
check_man_block() {
	local name=$1 dir=$2 b=http://127.0.0.1:$port
	case $name in
	quire-api.7.1.sh)
		# A cookie-mode login, then a refresh from the cookie jar: each
		# answers an access token (the second a new one), the refresh token
		# only in the cookie.
		local tokens
		tokens=$(grep -v '^== ' "$dir/out" | jq -r -s '.[].access_token') ||
			fail "$name: the answers are not JSON"
		[ "$(echo "$tokens" | grep -c '^[^.]*\.[^.]*\.[^.]*$')" = 2 ] ||
			fail "$name: wanted two access tokens (login, refresh), got: $(cat "$dir/out")"
		[ "$(echo "$tokens" | sort -u | wc -l)" = 2 ] || fail "$name: the refresh answered the same access token"
		[ "$(grep -v '^== ' "$dir/out" | jq -s 'map(has("refresh_token")) | any')" = false ] ||
			fail "$name: a refresh token in a body in cookie mode"
		grep -q $'^#HttpOnly_127.0.0.1\t[A-Z]*\t/auth\t[A-Z]*\t[0-9]*\tquire_refresh\t.' "$dir/jar" ||
			fail "$name: no HttpOnly quire_refresh cookie for /auth in the jar: $(cat "$dir/jar")"
		# The jar holds the cookie the refresh rotated to: had it kept the
		# login's, presenting that again would be a reuse, refused (401).
		[ "$(cd "$dir" && command curl -s -o /dev/null -w '%{http_code}' -b jar "$b/auth/refresh" \
			-H 'X-Quire-Session: cookie' -d '')" = 200 ] ||
			fail "$name: the jar's cookie is not the one the refresh rotated to"
		;;
	*) fail "$name: a dev block with no check in check_man_block (tests/docs/try_it.sh)" ;;
	esac
}

case $source in
readme)
	cd "$tmp/work" || fail "no work directory"
	files=()
	for n in $names; do files+=("$tmp/blocks/$n"); done
	run_blocks "$tmp/out" "$tmp/trace" "${files[@]}"
	# Every expected piece, in order.
	rest=$(cat "$tmp/out")
	for e in "${EXPECT[@]}"; do
		case $rest in
		*"$e"*) rest=${rest#*"$e"} ;;
		*) cat "$tmp/out"; fail "the Try it output lacks, in order: $e" ;;
		esac
	done
	echo "ok: README Try it, $nblocks blocks against make run's stack behind $web"
	;;
man)
	export ADMIN_PASSWORD=$QUIRE_ADMIN_PASSWORD
	for n in $names; do
		mkdir "$tmp/work/$n"
		cd "$tmp/work/$n" || fail "no work directory"
		run_blocks "$tmp/work/$n/out" "$tmp/work/$n/trace" "$tmp/blocks/$n"
		check_man_block "$n" "$tmp/work/$n"
		echo "ok: $(head -n 1 "$tmp/blocks/$n" | sed 's/^# //'): ran as written, behind $web"
	done
	;;
esac
