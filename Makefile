# Quire: build, test and run the three FastCGI programs.
#
#   make            build the programs into build/
#   make run        the whole stack on 127.0.0.1:$(PORT) with a dev database in var/
#                   (WEB=apache: behind Apache instead of lighttpd; VAR=dir: another var/)
#   make migrate-status   quire-migrate --status against the running dev stack
#   make migrate          the pending migrations of sql/ applied to it
#   make admin-password   a new password for a lost one, printed once
#                   (ADMIN=name: another user than admin)
#   make check      every test: docs, unit, integration and browser, behind lighttpd and Apache
#   make check-docs every setting the programs print (--print-config) in quire.conf(5)
#                   and the sample config, and nothing else;
#                   each program's route map agrees with its table; the man pages
#                   render; the README's "Try it" and the man pages' command
#                   blocks marked run: dev against make run's stack
#   make check SAN=1   the same, built with AddressSanitizer and UBSan
#   make check-browser the writer's desk in headless Chromium, behind both servers
#   make bench      requests/second of the hot paths, as ratios (tests/bench/)
#   make screenshots   the real site with a demo blog, photographed into docs/
#   make check-units   the systemd units' sandboxing score (CI)
#   make soak       10 minutes of mixed traffic: no 5xx, memory and files flat
#   make fuzz       every libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS each
#   make check-fuzz the same briefly, failing on any finding (CI)
#   make clean

PORT	?= 8080
WEB	?= lighttpd
VAR	?= var
ADMIN	?= admin
SAN	?= 0
# V=1 shows whole compiler command lines.
V	?= 0

ifeq ($(V),1)
Q	:=
else
Q	:= @
endif

ifeq ($(SAN),1)
BUILD	:= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD	:= build
SANFLAGS :=
endif

# Debian 12 packages the build, the tests and `make run` need.
DEB_PACKAGES := gcc make pkg-config libc6-dev libcrypt-dev libfcgi-dev libpq-dev \
	libjwt-dev libjansson-dev libssl-dev libcurl4-openssl-dev libcmark-dev libdeflate-dev \
	zlib1g-dev check libmagickwand-6.q16-dev postgresql-15 lighttpd lighttpd-modules-lua apache2 \
	libapache2-mod-xsendfile openssl python3 python3-html5lib procps jq libvips-tools wrk \
	dpkg-dev debhelper lintian systemd chromium chromium-driver python3-selenium \
	clang-14 libclang-rt-14-dev libfuzzer-14-dev
# npm installs axe-core for the browser tests; Debian's npm only where there is none
# (this kind of machine comes with Node.js and npm of its own).
DEB_PACKAGES += $(if $(shell command -v npm 2>/dev/null),,npm)

PKGS		:= fcgi libpq jansson libjwt openssl libxcrypt
TEST_PKGS	:= $(PKGS) check libcurl

CC		?= cc
CFLAGS		?= -O2 -g
WARNINGS	:= -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Wpointer-arith -Wsign-compare -Wformat=2 -Wvla -Wno-format-nonliteral
PKG_CFLAGS	 = $(call pc,CFLAGS,base)
PKG_LIBS	 = $(call pc,LIBS,base)
TEST_CFLAGS	 = $(call pc,CFLAGS,testing)
TEST_LIBS	 = $(call pc,LIBS,testing)
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SANFLAGS) -Ishared $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL	 = $(SANFLAGS) $(LDFLAGS)

SHARED_SRC	:= $(wildcard shared/*.c)
STACK_SRC	:= tests/harness/stack.c tests/harness/web.c tests/harness/proc.c
HARNESS_SRC	:= $(STACK_SRC) tests/harness/client.c tests/harness/forge.c \
	tests/harness/standalone.c tests/harness/node.c tests/harness/load.c \
	tests/harness/fcgi_client.c tests/harness/relay.c tests/harness/markdown.c
NAMES		:= $(patsubst fcgi/%/,%,$(wildcard fcgi/*/))
UNIT_NAMES	:= $(patsubst tests/unit/%/,%,$(wildcard tests/unit/*/))
INTEGRATION	:= $(patsubst tests/integration/test_%.c,%,$(wildcard tests/integration/test_*.c))

LIB		:= $(BUILD)/libquire.a
PROGRAMS	:= $(NAMES:%=$(BUILD)/quire-%) $(BUILD)/quire-migrate
TEST_PROGRAMS	:= $(UNIT_NAMES:%=$(BUILD)/tests/unit-%) $(INTEGRATION:%=$(BUILD)/tests/test-%) \
	$(BUILD)/quire-stack

# Extra pkg-config packages of one program (PKGS_post := libcmark libcurl).
PKGS_auth	:=
PKGS_media	:= MagickWand libcurl
PKGS_post	:= libcmark libcurl libdeflate
# tests/unit/site: the reader pages of the Post program (templates, theme, pages).
PKGS_site	:= $(PKGS_post) zlib

# The program a test source belongs to (tests/unit/NAME/… or tests/integration/test_NAME.c).
test_prog = $(patsubst test_%.c,%,$(word 3,$(subst /, ,$(1))))

# pkg-config runs once per build, at the first compile or link (a make that
# compiles nothing never asks): one shell writes every flag the build uses to
# $(BUILD)/pkg.mk as PC_CFLAGS_<set> and PC_LIBS_<set>, read back here. A set
# is base ($(PKGS)), testing ($(TEST_PKGS)) or a name with PKGS_<name>. A
# package that is missing stops the build, named with its Debian package.
PKGS_base	:= $(PKGS)
PKGS_testing	:= $(TEST_PKGS)
PKG_SETS	:= base testing $(foreach n,$(sort $(NAMES) $(UNIT_NAMES)),$(if $(PKGS_$(n)),$(n)))
PKG_MK		:= $(BUILD)/pkg.mk
# The Debian package that has each pkg-config package (keep in sync with DEB_PACKAGES).
PKG_DEB		:= pkg-config:pkg-config fcgi:libfcgi-dev libpq:libpq-dev jansson:libjansson-dev \
	libjwt:libjwt-dev openssl:libssl-dev libxcrypt:libcrypt-dev check:check \
	libcurl:libcurl4-openssl-dev libcmark:libcmark-dev MagickWand:libmagickwand-6.q16-dev \
	libdeflate:libdeflate-dev zlib:zlib1g-dev
# Writes $(PKG_MK) (whole: renamed into place, for a make running beside this
# one); prints the missing packages instead when there are any.
pkg_write	= $(shell command -v pkg-config >/dev/null || { echo pkg-config; exit 0; }; \
	missing=; for p in $(sort $(foreach s,$(PKG_SETS),$(PKGS_$(s)))); do \
		pkg-config --exists $$p || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo $$missing; exit 0; fi; \
	mkdir -p $(BUILD) && { $(foreach s,$(PKG_SETS), \
		echo "PC_CFLAGS_$(s) := $$(pkg-config --cflags $(PKGS_$(s)))" && \
		echo "PC_LIBS_$(s) := $$(pkg-config --libs $(PKGS_$(s)))" &&) true; } \
		>$(PKG_MK).$$$$ && mv -f $(PKG_MK).$$$$ $(PKG_MK))
pkg_deb		= $(or $(patsubst $(1):%,%,$(filter $(1):%,$(PKG_DEB))),$(1))
pkg_load	= $(if $(PKG_LOADED),,$(eval PKG_LOADED := 1)$(eval PKG_MISSING := $(pkg_write))$\
	$(if $(PKG_MISSING),$(error missing pkg-config package(s):$(foreach p,$(PKG_MISSING), $\
	$(p) (Debian package $(call pkg_deb,$(p)))). Run make deps to install them),$\
	$(eval include $(PKG_MK))))
# $(call pc,CFLAGS|LIBS,SET): the flags of a set (none for a name without packages).
pc		= $(pkg_load)$(PC_$(1)_$(2))
# The compiler flags of a set, its headers as system headers (MagickWand's would fail -Werror).
pc_cflags	= $(patsubst -I%,-isystem %,$(call pc,CFLAGS,$(1)))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# The objects of program $(1) without its main.c, for its unit tests.
program_objs = $(call obj,$(filter-out fcgi/$(1)/main.c,$(wildcard fcgi/$(1)/*.c)))

.PHONY: all deps check check-docs check-unit check-integration check-browser run bench install deb \
	migrate-status migrate admin-password \
	check-packages check-units soak clean screenshots fuzz check-fuzz fuzz-build
.DEFAULT_GOAL := all
.SECONDEXPANSION:
.SECONDARY:

all: $(PROGRAMS)

# Installs the Debian packages that are missing (as root), or says which line to run.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -q && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing \
				|| exit 1; \
		else \
			echo "Missing Debian packages. Run:"; \
			echo "  sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(call pc_cflags,$(word 2,$(subst /, ,$<))) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-format-truncation \
		$(call pc_cflags,$(call test_prog,$<)) -Itests/harness -Ifcgi -c $< -o $@

# Made anew each time, so that a removed source leaves no object behind.
$(LIB): $(call obj,$(SHARED_SRC))
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/quire-%: $$(call obj,$$(wildcard fcgi/$$*/*.c)) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(call pc,LIBS,$*)

$(BUILD)/quire-migrate: $(call obj,sql/migrate.c) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/quire-stack: $(call obj,tests/harness/main.c $(STACK_SRC)) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)

# One unit test program per folder of tests/unit: shared, or a program's name.
$(BUILD)/tests/unit-%: $$(call obj,$$(wildcard tests/unit/$$*/*.c) tests/harness/forge.c \
		tests/harness/markdown.c) \
		$$(call program_objs,$$*) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(LIB),$^) $(LIB) $(TEST_LIBS) $(call pc,LIBS,$*)

# The reader site's unit tests link the Post program's objects.
$(BUILD)/tests/unit-site: $(call program_objs,post)

# One integration test program per tests/integration/test_NAME.c.
$(BUILD)/tests/test-%: $$(call obj,tests/integration/test_$$*.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(call pc,LIBS,$*)

# The benchmark: its driver (on the test harness), the floor FastCGI program,
# and Media's variant timing (its code path against vipsthumbnail).
$(BUILD)/bench/quire-bench: $(call obj,tests/bench/bench.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)

$(BUILD)/bench/quire-bench-floor: $(call obj,tests/bench/floor.c)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bench/media-variant: $(call obj,tests/bench/media/variant.c) \
		$(call program_objs,media) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(call pc,LIBS,media)

# The real reader site (the whole stack, a demo blog written through the
# APIs) photographed by headless Chromium into docs/: home and post pages,
# desktop and phone, light and dark.
SHOT_PACKAGES	:= chromium libvips-tools fonts-sil-charis
screenshots: $(PROGRAMS) $(BUILD)/quire-stack
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(SHOT_PACKAGES)"
	/usr/bin/python3 tests/site/screenshots.py $(BUILD) docs

check: deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(TEST_PROGRAMS) $(AXE)
	@$(MAKE) --no-print-directory check-docs check-unit check-integration check-browser

# Every test program runs, even after one fails; the target fails if any did.
# Each works alone (make check-unit, make check-integration): it builds what it runs.
check-unit: $(UNIT_NAMES:%=$(BUILD)/tests/unit-%)
	@rc=0; for t in $(UNIT_NAMES); do echo "== unit-$$t"; \
		$(BUILD)/tests/unit-$$t || rc=1; done; exit $$rc

# Each program's --print-config works on a bare build and shows its key table
# in the documented form; every key of those tables is described in
# quire.conf(5) with its default and range, and shown in packaging/quire.conf,
# and nothing else is; every man page renders without a groff warning about
# its macros; every block of commands in them says where a test runs it
# (tests/docs/man_blocks.py); and the README's "Try it" blocks and the man
# pages' `run: dev` blocks run, as written but for the port, against the stack
# `make run` starts (a fresh one on a free port), behind each web server
# (tests/docs/try_it.sh).
MAN_WARNINGS	:= -Wbreak -wmac -wfont -wchar -wdi -wel -wreg -wtab -wright-brace
check-docs: $(PROGRAMS) $(BUILD)/quire-stack
	@rc=0; /usr/bin/python3 -B tests/docs/print_config.py $(BUILD) || rc=1; \
	/usr/bin/python3 -B tests/docs/config_keys.py $(BUILD) || rc=1; \
	/usr/bin/python3 tests/docs/route_maps.py || rc=1; \
	/usr/bin/python3 -B tests/docs/man_blocks.py || rc=1; \
	for f in packaging/man/*.[0-9]; do \
		w=$$(groff -man -Tutf8 -K utf8 -z $(MAN_WARNINGS) $$f 2>&1); \
		if [ -n "$$w" ]; then echo "FAIL: $$f: $$w"; rc=1; fi; \
	done; \
	for web in lighttpd apache; do for src in readme man; do \
		tests/docs/try_it.sh $(BUILD) $$web $$src || rc=1; done; done; exit $$rc

# The whole integration suite runs behind each web server.
check-integration: $(PROGRAMS) $(BUILD)/quire-stack $(INTEGRATION:%=$(BUILD)/tests/test-%)
	@rc=0; for web in lighttpd apache; do for t in $(INTEGRATION); do \
		echo "== test-$$t behind $$web"; \
		QUIRE_BUILD=$(BUILD) QUIRE_WEB=$$web $(BUILD)/tests/test-$$t || rc=1; \
	done; done; exit $$rc

# axe-core for the browser tests, from the npm registry at the version
# tests/browser/package-lock.json pins (checked against its integrity hash).
AXE	:= build/node/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@mkdir -p build/node
	cp tests/browser/package.json tests/browser/package-lock.json build/node/
	cd build/node && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# The writer's desk in Debian's headless Chromium (Selenium), against the
# whole stack behind lighttpd, then Apache. Failing steps leave screenshots
# in build/browser/.
check-browser: $(PROGRAMS) $(BUILD)/quire-stack $(AXE)
	/usr/bin/python3 tests/browser/desk.py --build $(BUILD) --axe $(AXE) --out build/browser

run: deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/quire-stack
	$(BUILD)/quire-stack --var $(VAR) --port $(PORT) --build $(BUILD) --web $(WEB)

# The admin commands a package user has (quire-migrate(8), quire-auth(8)),
# against the dev stack that make run keeps in $(VAR)/: its configuration,
# the checkout's sql/. The stack must be running (in another terminal).
DEV_ARGS	:= --config $(VAR)/quire.conf
dev_running	= @test -S $(VAR)/pg-socket/.s.PGSQL.5432 || { echo "The dev stack is not \
	running in $(VAR)/: start it with make run (VAR=$(VAR)) in another terminal." >&2; exit 1; }

migrate-status: $(BUILD)/quire-migrate
	$(dev_running)
	$(BUILD)/quire-migrate $(DEV_ARGS) --sql-dir sql --status

migrate: $(BUILD)/quire-migrate
	$(dev_running)
	$(BUILD)/quire-migrate $(DEV_ARGS) --sql-dir sql

# The password from QUIRE_ADMIN_PASSWORD when set, else generated.
admin-password: $(BUILD)/quire-auth
	$(dev_running)
	$(BUILD)/quire-auth reset-password $(DEV_ARGS) $(ADMIN)

# Installs into $(DESTDIR) the way the Debian packages lay things out.
DESTDIR		?=
SHARE		:= $(DESTDIR)/usr/share/quire
install: all
	install -d $(DESTDIR)/usr/sbin $(SHARE)/web-conf/lighttpd $(DESTDIR)/etc/quire \
		$(DESTDIR)/etc/lighttpd/conf-available $(DESTDIR)/etc/apache2/conf-available \
		$(DESTDIR)/lib/systemd/system $(DESTDIR)/usr/share/man/man5 $(DESTDIR)/usr/share/man/man7 \
		$(DESTDIR)/usr/share/man/man8
	install -m 0755 $(PROGRAMS) packaging/quire-setup $(DESTDIR)/usr/sbin/
	for f in $(wildcard sql/*/*.sql); do install -D -m 0644 $$f $(SHARE)/$$f || exit 1; done
	install -m 0644 web-conf/lighttpd/quire.conf web-conf/lighttpd/backends-*.conf web-conf/lighttpd/*.lua \
		$(SHARE)/web-conf/lighttpd/
	for f in $$(cd admin && find . -type f); do \
		install -D -m 0644 admin/$$f $(SHARE)/admin/$$f || exit 1; done
	for f in $$(cd theme && find . -type f); do \
		install -D -m 0644 theme/$$f $(SHARE)/theme/$$f || exit 1; done
	install -m 0644 web-conf/lighttpd/50-quire.conf $(DESTDIR)/etc/lighttpd/conf-available/
	install -m 0644 web-conf/apache/quire.conf $(DESTDIR)/etc/apache2/conf-available/quire-common.conf
	install -m 0644 packaging/quire.conf $(DESTDIR)/etc/quire/
	install -m 0644 $(foreach n,$(NAMES),packaging/systemd/quire-$(n).socket \
		packaging/systemd/quire-$(n).service) $(DESTDIR)/lib/systemd/system/
	install -m 0644 packaging/man/*.5 $(DESTDIR)/usr/share/man/man5/
	install -m 0644 packaging/man/*.7 $(DESTDIR)/usr/share/man/man7/
	install -m 0644 packaging/man/*.8 $(DESTDIR)/usr/share/man/man8/

# Debian packages from packaging/debian, built in build/deb from a copy of the tree.
deb: deps
	rm -rf build/deb && mkdir -p build/deb/quire
	tar -c --exclude=./build --exclude=./var --exclude=./.git . | tar -x -C build/deb/quire
	cp -r packaging/debian build/deb/quire/debian
	cd build/deb/quire && dpkg-buildpackage -us -uc -b
	lintian --fail-on error build/deb/*.changes

# The sandboxing of each systemd unit as systemd-analyze scores it (0 best,
# 10 worst): none may score worse than UNIT_EXPOSURE tenths (today 1.1 "OK"),
# and each keeps its MemoryMax= and IPAddressDeny= (.ci/run runs this).
UNIT_EXPOSURE	:= 11
check-units: deps
	@rc=0; for u in packaging/systemd/*.service; do \
		score=$$(systemd-analyze security --offline=yes $$u 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: //p'); \
		if systemd-analyze security --offline=yes --threshold=$(UNIT_EXPOSURE) $$u >/dev/null 2>&1 && \
		    grep -q '^MemoryMax=' $$u && grep -q '^IPAddressDeny=any' $$u; then \
			echo "ok: $$u: $$score"; \
		else \
			echo "FAIL: $$u: $$score (at most $(UNIT_EXPOSURE) tenths, with MemoryMax= and IPAddressDeny=any)"; \
			systemd-analyze security --offline=yes $$u 2>&1 | grep '✗'; rc=1; \
		fi; \
	done; exit $$rc

# Installs the packages on this machine, sets them up, serves them through
# lighttpd and Apache, then purges them (root only; .ci/run runs it).
check-packages: deb
	sh tests/packages/smoke.sh

# Never part of check: timing decides nothing there.
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/bench/quire-bench \
		$(BUILD)/bench/quire-bench-floor $(BUILD)/bench/media-variant
	QUIRE_BUILD=$(BUILD) $(BUILD)/bench/quire-bench

# Never part of check either: SOAK_SECONDS (600) of mixed traffic against a
# private stack, failing on a 5xx or a program's memory or open files
# growing (tests/soak/soak.c).
soak:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/soak/quire-soak
	QUIRE_BUILD=$(BUILD) $(BUILD)/soak/quire-soak

$(BUILD)/soak/quire-soak: $(call obj,tests/soak/soak.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)
# Fuzzing: one libFuzzer harness per parser that sees client bytes, each in
# tests/fuzz/NAME/ (fuzz.c, seeds/, regressions/, an optional dict), built
# with clang, ASan and UBSan into build/fuzz/ apart from the gcc build. A
# harness links the clang-built objects of shared/ and of its program as
# archives, so only the code it calls comes in. tests/fuzz/run.sh replays
# the regressions, fuzzes from a copy of the seeds in build/fuzz/corpus/NAME
# and prints executions, coverage and findings (build/fuzz/findings/NAME).
FUZZ_CC		:= clang-14
FUZZ		:= build/fuzz
FUZZ_NAMES	:= $(patsubst tests/fuzz/%/fuzz.c,%,$(wildcard tests/fuzz/*/fuzz.c))
# Seconds per harness: make fuzz runs long, check-fuzz briefly.
FUZZ_SECONDS	?= 180
FUZZ_CHECK_SECONDS ?= 20
# Per-input limits: a slower input is a finding (a timeout), and so is one
# needing more memory than this.
FUZZ_TIMEOUT	?= 2
FUZZ_RSS_MB	?= 1024
FUZZ_SANFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# (clang, unlike gcc, warns of trailing fields left out of positional initialisers.)
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) -Wno-missing-field-initializers -g -O1 \
	$(FUZZ_SANFLAGS) -fsanitize=fuzzer-no-link -Ishared $(PKG_CFLAGS)

# The program whose objects a harness tests (none: shared/ alone), extra
# objects, and libFuzzer flags of its own.
FUZZ_PROG_media-fields	:= media
FUZZ_PROG_multipart	:= media
FUZZ_PROG_probe		:= media
FUZZ_PROG_post-input	:= post
FUZZ_PROG_render	:= post
FUZZ_PROG_slug		:= post
FUZZ_EXTRA_tok		:= $(FUZZ)/obj/tests/harness/forge.o
# Post's 1 MiB bodies render in up to about 2 s under ASan on a loaded
# machine: the quadratic inputs of issue 10 item 1 take 30 s and more.
FUZZ_FLAGS_render	:= -max_len=65536 -timeout=10
FUZZ_FLAGS_multipart	:= -max_len=65536
FUZZ_FLAGS_media-fields	:= -max_len=16384
FUZZ_FLAGS_probe	:= -max_len=65536
FUZZ_FLAGS_json		:= -max_len=65536
FUZZ_FLAGS_post-input	:= -max_len=65536
FUZZ_FLAGS_cfg		:= -max_len=16384

fuzz_prog_lib = $(if $(FUZZ_PROG_$(1)),$(FUZZ)/libquire-$(FUZZ_PROG_$(1)).a)
fuzz_obj = $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))

$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(call pc_cflags,$(word 2,$(subst /, ,$<))) \
		-MMD -MP -c $< -o $@

$(FUZZ)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(call pc_cflags,$(FUZZ_PROG_$(word 3,$(subst /, ,$<)))) \
		-Itests/fuzz -Itests/harness -Ifcgi -MMD -MP -c $< -o $@

$(FUZZ)/libquire.a: $(call fuzz_obj,$(SHARED_SRC))
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# A program's objects without its main.c.
$(FUZZ)/libquire-%.a: $$(call fuzz_obj,$$(filter-out fcgi/$$*/main.c,$$(wildcard fcgi/$$*/*.c)))
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ)/fuzz-%: $(FUZZ)/obj/tests/fuzz/%/fuzz.o $$(FUZZ_EXTRA_$$*) $$(call fuzz_prog_lib,$$*) \
		$(FUZZ)/libquire.a
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SANFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) \
		$(call pc,LIBS,$(FUZZ_PROG_$*))

# Writes out what a harness sees of an input file: build/fuzz/expand FILE.
$(FUZZ)/expand: $(FUZZ)/obj/tests/fuzz/expand.o $(FUZZ)/libquire.a
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SANFLAGS) -fsanitize=fuzzer-no-link -o $@ $^ $(PKG_LIBS)

fuzz-build: $(FUZZ_NAMES:%=$(FUZZ)/fuzz-%) $(FUZZ)/expand

# Each harness for FUZZ_SECONDS, going on after a finding (libFuzzer's fork
# mode), then one line each: executions, cov/ft and findings. Fails when any
# harness found something.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_KEEP_GOING=1 sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_TIMEOUT) $(FUZZ_RSS_MB) \
		$(foreach n,$(FUZZ_NAMES),'$(n) $(FUZZ_FLAGS_$(n))')

# The same for FUZZ_CHECK_SECONDS each, stopping a harness at its first finding.
check-fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_CHECK_SECONDS) $(FUZZ_TIMEOUT) $(FUZZ_RSS_MB) \
		$(foreach n,$(FUZZ_NAMES),'$(n) $(FUZZ_FLAGS_$(n))')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
