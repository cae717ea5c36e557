#!/bin/sh
# quire.conf(5) describes every setting, and only those: the keys of the
# programs' key tables (CFG_KEY in fcgi/*/main.c and shared/) must be the
# keys the man page gives an entry (.TP, then the key in bold), and every
# key the sample configuration (packaging/quire.conf) sets must be one.
#
#   tests/docs/conf_keys.sh [MAN_PAGE]
root=$(cd "$(dirname "$0")/../.." && pwd)
man=${1:-$root/packaging/man/quire.conf.5}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

grep -ohE 'CFG_KEY\([^,]+, *[a-z_]+' "$root"/fcgi/*/main.c "$root"/shared/*.c |
	sed 's/.*, *//' | sort -u > "$tmp/code"
grep -A1 '^\.TP' "$man" | grep -oE '^\\fB[a-z_]+' | sed 's/\\fB//' | sort -u > "$tmp/man"
sed -n 's/^[[:space:]]*\([a-z_]*\)[[:space:]]*=.*/\1/p' "$root/packaging/quire.conf" | sort -u > "$tmp/sample"
[ -s "$tmp/code" ] || { echo "FAIL: no CFG_KEY found in the sources"; exit 1; }
rc=0
if ! diff -u --label 'key tables' --label 'quire.conf(5)' "$tmp/code" "$tmp/man"; then
	echo "FAIL: quire.conf(5) and the programs' key tables differ (above)"; rc=1
fi
extra=$(comm -23 "$tmp/sample" "$tmp/code")
if [ -n "$extra" ]; then
	echo "FAIL: packaging/quire.conf sets keys no program knows:" $extra; rc=1
fi
[ $rc = 0 ] && echo "ok: quire.conf(5) describes the $(wc -l < "$tmp/code") keys of the key tables"
exit $rc
