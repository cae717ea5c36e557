#!/bin/sh
# The package smoke test (make check-packages): installs the .deb files of
# build/deb into this machine, runs quire-setup against a private PostgreSQL,
# starts the installed programs on sockets (as their own users, without
# systemd), puts lighttpd and Apache in front with the installed snippets,
# and talks to both over HTTP. Then it backs up and restores, upgrades,
# purges, and checks that the data survived. It leaves nothing running and
# nothing installed.
#
# It does so with the man pages' own commands where they show them: every
# block marked `.\" run: packages` (tests/docs/man_blocks.py) runs as written,
# from a directory with build/deb in it, with a PATH whose shim directory
# stands in for what this machine lacks: systemd as PID 1 (systemctl) and a
# person at an editor (editor). Each shim does the equivalent here and logs
# what it was asked, and the log is checked.
set -eu

DEBS=${DEBS:-build/deb}
PASSWORD=smoke-test-admin-password
tmp=$(mktemp -d /tmp/quire-pkg-XXXXXX)
chmod 0755 "$tmp"
pids=""
failures=0

# stop_all: every process the test started (its children in $pids, and the
# programs the systemctl shim started, in $tmp/pids), each waited for; one
# still there after 10 s is killed.
stop_all() {
	all="$pids $(cat "$tmp/pids" 2>/dev/null || true)"
	for p in $all; do kill "$p" 2>/dev/null || true; done
	for p in $all; do
		( sleep 10; kill -9 "$p" 2>/dev/null ) &
		killer=$!
		wait "$p" 2>/dev/null || true	# a child
		while kill -0 "$p" 2>/dev/null; do sleep 0.1; done	# not one
		kill "$killer" 2>/dev/null || true
	done
	pids=""
	[ ! -f "$tmp/pids" ] || : >"$tmp/pids"
}
cleanup() {
	stop_all
	[ -f "$tmp/pg/postmaster.pid" ] &&
		runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg" -m fast -w stop >/dev/null 2>&1
	dpkg --purge quire-media quire-post quire-auth quire-common >/dev/null 2>&1 || true
	# What quire(7)'s lighty-enable-mod, a2enmod and a2enconf made (the
	# package's removal takes back the snippets; this, on a failure, too).
	rm -f /etc/lighttpd/conf-enabled/50-quire.conf /etc/apache2/conf-enabled/quire-common.conf
	if [ -f "$tmp/apache-before" ]; then
		find /etc/apache2/mods-enabled /var/lib/apache2 ! -type d | sort | comm -13 "$tmp/apache-before" - |
			xargs -r rm -f
	fi
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
# run_block NAME [VAR=VALUE...]: the man pages' block NAME (see above), as
# written, with bash -e, in $tmp/cwd, with the shims first on the PATH and the
# variables given; its output in $tmp/NAME.out. Fails the test (and shows
# the output) when it exits non-zero.
run_block() {
	b=$1
	shift
	echo "$b" >>"$tmp/ran"
	if (cd "$tmp/cwd" && env PATH="$tmp/shim:$PATH" "$@" bash -e -o pipefail "$tmp/blocks/$b") \
		>"$tmp/$b.out" 2>&1; then
		echo "ok: $(head -n 1 "$tmp/blocks/$b" | sed 's/^# //'): ran as written"
	else
		fail "$(head -n 1 "$tmp/blocks/$b" | sed 's/^# //'): exited non-zero"
		sed 's/^/    /' "$tmp/$b.out"
	fi
}

echo "== install, as quire(7) shows it"
[ "$(id -u)" = 0 ] || { echo "the package test installs packages: run it as root"; exit 1; }
# The web servers' enabling commands (below) change /etc/lighttpd and
# /etc/apache2: quire must not be enabled there yet, and what they add (files
# and links not there now) is removed at the end.
for f in /etc/lighttpd/conf-enabled/50-quire.conf /etc/apache2/conf-enabled/quire-common.conf; do
	[ ! -e "$f" ] || { echo "$f exists: the test would remove it"; exit 1; }
done
find /etc/apache2/mods-enabled /var/lib/apache2 ! -type d | sort >"$tmp/apache-before"
mkdir "$tmp/blocks"
/usr/bin/python3 "$(dirname "$0")/../docs/man_blocks.py" extract packages "$tmp/blocks" >/dev/null
touch "$tmp/ran" "$tmp/pids" "$tmp/systemctl.log" "$tmp/editor.log"
# The man pages' blocks run from here: ./build/deb is $DEBS.
mkdir -p "$tmp/cwd/build"
ln -s "$(cd "$DEBS" && pwd)" "$tmp/cwd/build/deb"

# A private PostgreSQL, which the editor (below) points the configuration at.
sock=$tmp/sock
mkdir "$tmp/pg" "$sock" && touch "$tmp/pg.log" && chown postgres:postgres "$tmp/pg" "$sock" "$tmp/pg.log"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$tmp/pg" -A trust -U postgres \
	--no-locale -E UTF8 >/dev/null
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg" -l "$tmp/pg.log" -w \
	-o "-k $sock -c listen_addresses=''" start >/dev/null
lport=$(free_port)
aport=$(free_port)

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
# The operator at the editor: the database's socket (the test's own
# PostgreSQL), and the site's address, lighttpd's here, through which Post
# also reaches Media, and Post and Media reach Auth. Written in place, as an
# editor keeps a file's owner and mode.
cat >"$tmp/shim/editor" <<SHIM
#!/bin/sh
echo "editor \$*" >>"$tmp/editor.log"
[ \$# = 1 ] && [ -f "\$1" ] || exit 1
sed -e "s|host=/run/postgresql|host=$sock|" \\
	-e "s|^public_url = .*|public_url = http://127.0.0.1:$lport|" \\
	-e "s|^media_url = .*|media_url = http://127.0.0.1:$lport|" \\
	-e "s|^auth_url = .*|auth_url = http://127.0.0.1:$lport|" "\$1" >"$tmp/edited" &&
	cat "$tmp/edited" >"\$1"
SHIM
# systemd's part, done here without it. enable --now: a socket unit's program
# started as quire(7) says to without systemd, from the units themselves: the
# service's ExecStart= as written, on the socket's ListenStream= for its
# SocketGroup=, as the service's User=. reload: the web server's
# configuration tested, then the signal its Debian unit's ExecReload= sends
# (SIGUSR1: a graceful restart, for lighttpd and for apachectl graceful).
cat >"$tmp/shim/systemctl" <<SHIM
#!/bin/sh
echo "systemctl \$*" >>"$tmp/systemctl.log"
unit() { sed -n "s/^\$2=//p" "/lib/systemd/system/\$1" | head -n 1; }
case "\$1 \$2" in
"enable --now")
	shift 2
	for u in "\$@"; do
		case \$u in *.socket) ;; *) echo "systemctl (test): \$u: sockets only" >&2; exit 1 ;; esac
		[ -f "/lib/systemd/system/\$u" ] || { echo "Unit file \$u does not exist." >&2; exit 1; }
		s=\${u%.socket}.service
		listen=\$(unit "\$u" ListenStream)
		install -d -m "\$(unit "\$u" DirectoryMode)" "\$(dirname "\$listen")"
		\$(unit "\$s" ExecStart) --listen "unix:\$listen" --socket-group "\$(unit "\$u" SocketGroup)" \\
			--user "\$(unit "\$s" User)" </dev/null >>"$tmp/programs.log" 2>&1 &
		echo \$! >>"$tmp/pids"
	done ;;
"reload lighttpd")
	lighttpd -tt -f "$tmp/lighttpd.conf" && kill -USR1 "\$(cat "$tmp/lighttpd.pid")" ;;
"reload apache2")
	apache2 -t -f "$tmp/apache2.conf" && kill -USR1 "\$(cat "$tmp/apache/apache2.pid")" ;;
*) echo "systemctl (test): \$*: not done here" >&2; exit 1 ;;
esac
SHIM
chmod 0755 "$tmp/shim/editor" "$tmp/shim/systemctl"
touch "$tmp/argv.log" "$tmp/chmod.log"
SECRET=dsn-password-for-the-smoke-test
# quire(7)'s installation, from build/deb: apt as a person answering yes;
# quire-setup reaches the test's PostgreSQL with the DSN in the environment
# (the DSN holds a password, which trust authentication ignores).
printf 'APT::Get::Assume-Yes "true";\n' >"$tmp/apt.conf"
run_block quire.7.1.sh APT_CONFIG="$tmp/apt.conf" DEBIAN_FRONTEND=noninteractive \
	QUIRE_ADMIN_DSN="host=$sock user=postgres password=$SECRET"
check "quire(7) installs every package built" \
	"$(ls "$DEBS"/quire-*.deb | grep -v dbgsym | xargs -n 1 basename | sort)" \
	"$(grep -o 'quire-[a-z]*_[^ ]*\.deb' "$tmp/blocks/quire.7.1.sh" | sort)"
check "programs installed" yes "$([ -x /usr/sbin/quire-auth ] && [ -x /usr/sbin/quire-migrate ] && echo yes)"
check "config readable by the programs' group only" "640 root:quire" \
	"$(stat -c '%a %U:%G' /etc/quire/quire.conf)"
check "the editor was asked for the configuration" "editor /etc/quire/quire.conf" "$(cat "$tmp/editor.log")"
check "systemd was asked for the three sockets" \
	"systemctl enable --now quire-auth.socket quire-post.socket quire-media.socket" "$(cat "$tmp/systemctl.log")"
for unit in /lib/systemd/system/quire-*.socket /lib/systemd/system/quire-*.service; do
	out=$(systemd-analyze verify "$unit" 2>&1) && check "systemd-analyze verify $(basename "$unit")" "" "$out" ||
		fail "systemd-analyze verify $unit: $out"
done

echo "== setup"
check "private key readable by quire_auth only" "640 root:quire_auth" \
	"$(stat -c '%a %U:%G' /etc/quire/keys/private.pem)"
kid=$(basename /etc/quire/keys/public/*.pem .pem)
check "setup names the key id" "quire-setup: key id (RFC 7638 thumbprint): $kid" \
	"$(grep -F "$kid" "$tmp/quire.7.1.sh.out" | grep -v 'public key:')"
check "setup ran quire-migrate" yes "$(grep -q '^quire-migrate ' "$tmp/argv.log" && echo yes)"
check "no password on a command line" "" "$(grep -F "$SECRET" "$tmp/argv.log")"
check "setup.env readable by root only, from the start" "600 root:root" \
	"$(stat -c '%a %U:%G' /var/lib/quire/setup.env)$(grep -v '^600 ' "$tmp/chmod.log" |
		grep -F setup.env)"
check "setup again changes nothing (--admin-dsn)" 0 \
	"$(PATH=$tmp/shim:$PATH quire-setup --admin-dsn "host=$sock user=postgres password=$SECRET" \
		>/dev/null 2>&1; echo $?)"
check "upgrade migration (quire-setup --migrate)" 0 \
	"$(PATH=$tmp/shim:$PATH quire-setup --migrate >/dev/null 2>&1; echo $?)"
# quire-auth(8)'s lost password: the admin's, which quire(7) set to 'choose
# one', becomes $PASSWORD (the logins below use it, and find the old refused).
run_block quire-auth.8.1.sh QUIRE_ADMIN_PASSWORD="$PASSWORD"
first_password=$(sed -n "s/^QUIRE_ADMIN_PASSWORD='\([^']*\)' quire-setup.*/\1/p" "$tmp/blocks/quire.7.1.sh")
check "quire(7) gives quire-setup a password" yes "$([ -n "$first_password" ] && echo yes)"
check "a lost password reset (quire-auth reset-password)" \
	"Set the password of 'admin' from QUIRE_ADMIN_PASSWORD; its sessions and tokens are revoked." \
	"$(cat "$tmp/quire-auth.8.1.sh.out")"
check "still no password on a command line" "" "$(grep -F "$SECRET" "$tmp/argv.log")"

echo "== lighttpd and Apache, quire enabled in them as quire(7) shows it"
vips black "$tmp/photo.jpg" 800 600
mkdir "$tmp/www" "$tmp/apache"
touch "$tmp/lighttpd.log" && chown www-data "$tmp/lighttpd.log"
# Each includes what the enabling commands enable, and nothing of Quire's before.
cat >"$tmp/lighttpd.conf" <<CONF
server.document-root = "$tmp/www"
server.bind = "127.0.0.1"
server.port = $lport
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "$tmp/lighttpd.log"
include "/etc/lighttpd/conf-enabled/*-quire.conf"
CONF
lighttpd -D -f "$tmp/lighttpd.conf" &
echo $! >"$tmp/lighttpd.pid"
pids="$pids $!"
# Apache loads the modules enabled on this machine, as Debian's apache2.conf does.
chown www-data "$tmp/apache"
cat >"$tmp/apache2.conf" <<CONF
ServerRoot /etc/apache2
IncludeOptional /etc/apache2/mods-enabled/*.load
IncludeOptional /etc/apache2/mods-enabled/*.conf
ServerName 127.0.0.1
Listen 127.0.0.1:$aport
DefaultRuntimeDir $tmp/apache
PidFile $tmp/apache/apache2.pid
ErrorLog $tmp/apache.log
User www-data
Group www-data
TypesConfig /etc/mime.types
DocumentRoot $tmp/www
IncludeOptional /etc/apache2/conf-enabled/quire-common.conf
CONF
apache2 -DFOREGROUND -f "$tmp/apache2.conf" &
pids="$pids $!"
for port in $lport $aport; do
	i=0
	until [ -s "$tmp/apache/apache2.pid" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$port/auth/health")" != 000 ]; do
		i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.1
	done
	check "$([ $port = $lport ] && echo lighttpd || echo Apache): no Quire before it is enabled" 404 \
		"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/auth/health")"
done
run_block quire.7.2.sh
run_block quire.7.3.sh
check "systemd was asked to reload both" "systemctl reload lighttpd
systemctl reload apache2" "$(sed 1d "$tmp/systemctl.log")"

for port in $lport $aport; do
	base=http://127.0.0.1:$port
	server=$([ $port = $lport ] && echo lighttpd || echo Apache)
	wait_for "$base/auth/health" || { fail "$server: /auth/health"; cat "$tmp"/*.log; continue; }
	token=$(curl -s "$base/auth/login" -H 'Content-Type: application/json' \
		-d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | jq -r .access_token)
	check "$server: login" 3 "$(echo "$token" | tr '.' '\n' | wc -l)"
	check "$server: quire(7)'s first password refused after quire-auth(8)'s reset" 401 \
		"$(curl -s -o /dev/null -w '%{http_code}' "$base/auth/login" -H 'Content-Type: application/json' \
			-d "{\"username\":\"admin\",\"password\":\"$first_password\"}")"
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

echo "== backup and restore, as quire(7) shows them"
# As a superuser: the test cluster's postgres, over its socket.
run_block quire.7.4.sh PGHOST="$sock" PGUSER=postgres
for schema in auth post media; do
	check "$schema.dump made" yes "$([ -s "$tmp/cwd/$schema.dump" ] && echo yes)"
done
check "auth.dump holds the users, and only auth" "auth users" \
	"$(pg_restore --list "$tmp/cwd/auth.dump" | sed -n 's/.* TABLE DATA \([a-z]*\) \(users\|posts\|items\) .*/\1 \2/p')"
check "post.dump holds the posts written" yes \
	"$(pg_restore --data-only --table=posts --file=- "$tmp/cwd/post.dump" | grep -q 'Smoke on Apache' && echo yes)"
check "media.dump holds the items" "media items" \
	"$(pg_restore --list "$tmp/cwd/media.dump" | sed -n 's/.* TABLE DATA \([a-z]*\) \(users\|posts\|items\) .*/\1 \2/p')"
# A change after the backup, which the restore undoes: a user made through the API.
token=$(curl -s "http://127.0.0.1:$lport/auth/login" -H 'Content-Type: application/json' \
	-d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | jq -r .access_token)
check "a user made after the backup" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$lport/auth/users" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"username":"after-backup","password":"correct horse battery","role":"author"}')"
run_block quire.7.5.sh PGHOST="$sock" PGUSER=postgres
check "the restore undid it, and kept the admin" "0 1" "$(psql -X -q -t -A "host=$sock dbname=quire user=postgres" \
	-c "SELECT count(*) FILTER (WHERE username = 'after-backup') || ' ' || count(*) FILTER (WHERE username = 'admin') FROM auth.users")"
for port in $lport $aport; do
	server=$([ $port = $lport ] && echo lighttpd || echo Apache)
	check "$server: login after the restore, the programs running through it" 3 \
		"$(curl -s "http://127.0.0.1:$port/auth/login" -H 'Content-Type: application/json' \
			-d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | jq -r .access_token | tr '.' '\n' | wc -l)"
done

echo "== upgrade applies new migrations"
echo "CREATE TABLE auth.smoke_upgrade (x int);" >/usr/share/quire/sql/auth/900_smoke_upgrade.sql
dpkg -i $(ls "$DEBS"/quire-*.deb | grep -v dbgsym) >/dev/null
check "new migration applied" 1 "$(psql -X -q -t -A "host=$sock dbname=quire user=postgres" \
	-c "SELECT count(*) FROM auth.schema_migrations WHERE version = '900'")"
rm /usr/share/quire/sql/auth/900_smoke_upgrade.sql
check "upgrade keeps quire enabled in lighttpd and Apache" "yes yes" \
	"$([ -L /etc/lighttpd/conf-enabled/50-quire.conf ] && echo yes) $([ -L /etc/apache2/conf-enabled/quire-common.conf ] && echo yes)"

echo "== purge keeps the database"
stop_all
dpkg --purge quire-media quire-post quire-auth quire-common >/dev/null 2>&1 || true
check "configuration removed" no "$([ -e /etc/quire ] && echo yes || echo no)"
# Else lighttpd and Apache would include a snippet (lighttpd: its files) no
# longer there, and fail to start.
check "quire no longer enabled in lighttpd and Apache" "" \
	"$(ls /etc/lighttpd/conf-enabled/50-quire.conf /etc/apache2/conf-enabled/quire-common.conf 2>/dev/null)"
check "users kept in the database" 1 "$(psql -X -q -t -A "host=$sock dbname=quire user=postgres" \
	-c "SELECT count(*) FROM auth.users WHERE username = 'admin'")"

check "every block of the man pages marked run: packages ran" "$(ls "$tmp/blocks" | sort)" "$(sort "$tmp/ran")"

if [ $failures -ne 0 ]; then
	echo "package smoke test: $failures failure(s)"
	exit 1
fi
echo "package smoke test: all checks passed"
