#!/bin/sh
# The package smoke test (make check-packages): installs the .deb files of
# build/deb into this machine, runs quire-setup against a private PostgreSQL,
# starts the installed programs on sockets (as their own users, without
# systemd), puts lighttpd and Apache in front with the installed snippets,
# and talks to both over HTTP. Then it upgrades, purges, and checks that the
# data survived. It leaves nothing running and nothing installed.
set -eu

DEBS=${DEBS:-build/deb}
PASSWORD=smoke-test-admin-password
tmp=$(mktemp -d /tmp/quire-pkg-XXXXXX)
chmod 0755 "$tmp"
pids=""
failures=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	# Waits for each to exit; one still there after 10 s is killed.
	for p in $pids; do
		( sleep 10; kill -9 "$p" 2>/dev/null ) &
		killer=$!
		wait "$p" 2>/dev/null || true
		kill "$killer" 2>/dev/null || true
	done
	[ -f "$tmp/pg/postmaster.pid" ] &&
		runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg" -m fast -w stop >/dev/null 2>&1
	dpkg --purge quire-media quire-post quire-auth quire-common >/dev/null 2>&1 || true
	rm -rf "$tmp" /run/quire
}
trap cleanup EXIT INT TERM
[ -n "${KEEP:-}" ] && trap - EXIT

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
check() {	# check DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok: $1"; else fail "$1: wanted '$2', got '$3'"; fi
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() {	# wait_for URL: until it answers 200, at most 20 s
	i=0
	while [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" != 200 ]; do
		i=$((i + 1)); [ $i -lt 200 ] || return 1; sleep 0.1
	done
}

echo "== install"
[ "$(id -u)" = 0 ] || { echo "the package test installs packages: run it as root"; exit 1; }
dpkg -i $(ls "$DEBS"/quire-*.deb | grep -v dbgsym) >/dev/null
check "programs installed" yes "$([ -x /usr/sbin/quire-auth ] && [ -x /usr/sbin/quire-migrate ] && echo yes)"
check "config readable by the programs' group only" "640 root:quire" \
	"$(stat -c '%a %U:%G' /etc/quire/quire.conf)"
for unit in /lib/systemd/system/quire-*.socket /lib/systemd/system/quire-*.service; do
	out=$(systemd-analyze verify "$unit" 2>&1) && check "systemd-analyze verify $(basename "$unit")" "" "$out" ||
		fail "systemd-analyze verify $unit: $out"
done

echo "== setup"
sock=$tmp/sock
mkdir "$tmp/pg" "$sock" && touch "$tmp/pg.log" && chown postgres:postgres "$tmp/pg" "$sock" "$tmp/pg.log"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$tmp/pg" -A trust -U postgres \
	--no-locale -E UTF8 >/dev/null
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg" -l "$tmp/pg.log" -w \
	-o "-k $sock -c listen_addresses=''" start >/dev/null
sed -i "s|host=/run/postgresql|host=$sock|" /etc/quire/quire.conf
# Every program quire-setup runs goes through a shim that logs its command
# line (and, for chmod, the mode its files had before), so that we see what
# any local user could see in ps, and what was readable for a moment.
mkdir "$tmp/shim"
for prog in quire-migrate quire-auth psql runuser chmod; do
	cat >"$tmp/shim/$prog" <<SHIM
#!/bin/sh
echo "$prog \$*" >>"$tmp/argv.log"
[ "$prog" != chmod ] || for f in "\$@"; do
	[ -e "\$f" ] && echo "\$(stat -c %a "\$f") \$f" >>"$tmp/chmod.log"
done
PATH=\${PATH#$tmp/shim:} exec $prog "\$@"
SHIM
	chmod 0755 "$tmp/shim/$prog"
done
touch "$tmp/argv.log" "$tmp/chmod.log"
SECRET=dsn-password-for-the-smoke-test
# The DSN holds a password (trust authentication ignores it).
PATH=$tmp/shim:$PATH QUIRE_ADMIN_PASSWORD=$PASSWORD \
	quire-setup --admin-dsn "host=$sock user=postgres password=$SECRET" >"$tmp/setup.log"
check "private key readable by quire_auth only" "640 root:quire_auth" \
	"$(stat -c '%a %U:%G' /etc/quire/keys/private.pem)"
kid=$(basename /etc/quire/keys/public/*.pem .pem)
check "setup names the key id" "quire-setup: key id (RFC 7638 thumbprint): $kid" \
	"$(grep -F "$kid" "$tmp/setup.log" | grep -v 'public key:')"
check "setup ran quire-migrate" yes "$(grep -q '^quire-migrate ' "$tmp/argv.log" && echo yes)"
check "no password on a command line" "" "$(grep -F "$SECRET" "$tmp/argv.log")"
check "setup.env readable by root only, from the start" "600 root:root" \
	"$(stat -c '%a %U:%G' /var/lib/quire/setup.env)$(grep -v '^600 ' "$tmp/chmod.log" |
		grep -F setup.env)"
check "setup again changes nothing" 0 "$(QUIRE_ADMIN_DSN="host=$sock user=postgres password=$SECRET" \
	PATH=$tmp/shim:$PATH quire-setup >/dev/null 2>&1; echo $?)"
check "upgrade migration (quire-setup --migrate)" 0 \
	"$(PATH=$tmp/shim:$PATH quire-setup --migrate >/dev/null 2>&1; echo $?)"
# As quire-auth(8) shows it (the same password again: the logins below use it).
check "a lost password reset (quire-auth reset-password)" \
	"Set the password of 'admin' from QUIRE_ADMIN_PASSWORD; its sessions and tokens are revoked." \
	"$(QUIRE_ADMIN_PASSWORD=$PASSWORD runuser -u quire_auth -- quire-auth reset-password admin 2>&1)"
check "still no password on a command line" "" "$(grep -F "$SECRET" "$tmp/argv.log")"

echo "== programs on sockets, as their own users"
lport=$(free_port)
aport=$(free_port)
# Post reaches Media, and Post and Media reach Auth, through the web server:
# here lighttpd's port.
sed -i -e "s|^media_url = .*|media_url = http://127.0.0.1:$lport|" \
	-e "s|^auth_url = .*|auth_url = http://127.0.0.1:$lport|" /etc/quire/quire.conf
install -d -m 0755 /run/quire
for p in auth post media; do
	[ -x /usr/sbin/quire-$p ] || continue
	/usr/sbin/quire-$p --listen unix:/run/quire/$p.sock --socket-group www-data --user quire_$p \
		--workers 2 2>>"$tmp/programs.log" &
	pids="$pids $!"
done

echo "== lighttpd and Apache with the installed snippets"
vips black "$tmp/photo.jpg" 800 600
mkdir "$tmp/www" "$tmp/apache"
touch "$tmp/lighttpd.log" && chown www-data "$tmp/lighttpd.log"
cat >"$tmp/lighttpd.conf" <<CONF
server.document-root = "$tmp/www"
server.bind = "127.0.0.1"
server.port = $lport
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "$tmp/lighttpd.log"
include "/etc/lighttpd/conf-available/50-quire.conf"
CONF
lighttpd -D -f "$tmp/lighttpd.conf" &
pids="$pids $!"
chown www-data "$tmp/apache"
{
	for m in mpm_event authz_core mime alias dir rewrite headers setenvif proxy proxy_fcgi xsendfile; do
		echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
	done
	cat <<CONF
ServerRoot /etc/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:$aport
DefaultRuntimeDir $tmp/apache
PidFile $tmp/apache/apache2.pid
ErrorLog $tmp/apache.log
User www-data
Group www-data
TypesConfig /etc/mime.types
DocumentRoot $tmp/www
Include /etc/apache2/conf-available/quire-common.conf
CONF
} >"$tmp/apache2.conf"
apache2 -DFOREGROUND -f "$tmp/apache2.conf" &
pids="$pids $!"

for port in $lport $aport; do
	base=http://127.0.0.1:$port
	server=$([ $port = $lport ] && echo lighttpd || echo Apache)
	wait_for "$base/auth/health" || { fail "$server: /auth/health"; cat "$tmp"/*.log; continue; }
	token=$(curl -s "$base/auth/login" -H 'Content-Type: application/json' \
		-d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | jq -r .access_token)
	check "$server: login" 3 "$(echo "$token" | tr '.' '\n' | wc -l)"
	check "$server: /auth/me" admin \
		"$(curl -s "$base/auth/me" -H "Authorization: Bearer $token" | jq -r .role)"
	check "$server: the desk at /admin/" "200 text/html; charset=utf-8" \
		"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$base/admin/")"
	check "$server: the desk's script-src" 1 \
		"$(curl -s -D - -o /dev/null "$base/admin/js/app.js" | grep -ci "^Content-Security-Policy: .*script-src 'self'")"
	if [ -x /usr/sbin/quire-media ]; then
		id=$(curl -s "$base/media" -H "Authorization: Bearer $token" -F file=@"$tmp/photo.jpg" \
			-F alt="a black square" | jq -r .id)
		check "$server: upload read back" "a black square 800" \
			"$(curl -s "$base/media/$id" | jq -r '"\(.alt) \(.width)"')"
		check "$server: variant" "200 image/webp" \
			"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$base/media/$id/w/320.webp")"
		check "$server: variant again, from the cache" "200 image/webp" \
			"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$base/media/$id/w/320.webp")"
	fi
	if [ -x /usr/sbin/quire-post ]; then
		slug=$(curl -s "$base/posts" -H "Authorization: Bearer $token" \
			-H 'Content-Type: application/json' -d "{\"title\":\"Smoke on $server\",
			\"body\":\"Hello *there*.\\n\\n![a black square](media:$id)\",
			\"status\":\"published\"}" | jq -r .slug)
		html=$(curl -s "$base/posts/$slug" | jq -r .html)
		check "$server: post read back" yes \
			"$(echo "$html" | grep -q '<em>there</em>' && echo yes)"
		check "$server: its image resolved through Media" yes \
			"$(echo "$html" | grep -q "<img src=\"/media/$id/w/" && echo yes)"
		check "$server: in the feed" yes \
			"$(curl -s "$base/posts/feed.atom" | grep -q "Smoke on $server" && echo yes)"
		check "$server: the post's page" "200 text/html; charset=utf-8" \
			"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$base/$slug/")"
		check "$server: the page shows the post" yes \
			"$(curl -s "$base/$slug/" | grep -q "<h1 class=\"post__title\">Smoke on $server</h1>" && echo yes)"
		check "$server: the page stored for the web server" yes \
			"$([ -f "/var/cache/quire/site/$slug/index.html" ] && echo yes)"
		check "$server: the page sent by the web server" yes \
			"$(curl -s -D - -o /dev/null "$base/$slug/" | grep -qi '^ETag:' && echo yes)"
		check "$server: the home page lists it" yes \
			"$(curl -s "$base/" | grep -q "Smoke on $server" && echo yes)"
		check "$server: a page not there" 404 \
			"$(curl -s -o /dev/null -w '%{http_code}' "$base/no-such-page/")"
	fi
done

echo "== upgrade applies new migrations"
echo "CREATE TABLE auth.smoke_upgrade (x int);" >/usr/share/quire/sql/auth/900_smoke_upgrade.sql
dpkg -i $(ls "$DEBS"/quire-*.deb | grep -v dbgsym) >/dev/null
check "new migration applied" 1 "$(psql -X -q -t -A "host=$sock dbname=quire user=postgres" \
	-c "SELECT count(*) FROM auth.schema_migrations WHERE version = '900'")"
rm /usr/share/quire/sql/auth/900_smoke_upgrade.sql

echo "== purge keeps the database"
for p in $pids; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=""
dpkg --purge quire-media quire-post quire-auth quire-common >/dev/null 2>&1 || true
check "configuration removed" no "$([ -e /etc/quire ] && echo yes || echo no)"
check "users kept in the database" 1 "$(psql -X -q -t -A "host=$sock dbname=quire user=postgres" \
	-c "SELECT count(*) FROM auth.users WHERE username = 'admin'")"

if [ $failures -ne 0 ]; then
	echo "package smoke test: $failures failure(s)"
	exit 1
fi
echo "package smoke test: all checks passed"
