# Quire: build, test and run the three FastCGI programs.
#
#   make            build the programs into build/
#   make run        the whole stack on 127.0.0.1:$(PORT) with a dev database in var/
#   make check      every test (unit, then integration against PostgreSQL and lighttpd)
#   make check SAN=1   the same, built with AddressSanitizer and UBSan
#   make bench      requests/second of the hot paths, as ratios (tests/bench/)
#   make clean

PORT	?= 8080
SAN	?= 0

ifeq ($(SAN),1)
BUILD	:= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD	:= build
SANFLAGS :=
endif

# Debian 12 packages the build, the tests and `make run` need.
DEB_PACKAGES := gcc make pkg-config libc6-dev libcrypt-dev libfcgi-dev libpq-dev \
	libjwt-dev libjansson-dev libssl-dev libcurl4-openssl-dev libcmark-dev check \
	postgresql-15 lighttpd openssl python3 procps jq
# And those `make bench` needs besides.
BENCH_PACKAGES := wrk

PKGS		:= fcgi libpq jansson libjwt openssl libxcrypt
TEST_PKGS	:= $(PKGS) check libcurl

CC		?= cc
CFLAGS		?= -O2 -g
WARNINGS	:= -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Wpointer-arith -Wsign-compare -Wformat=2 -Wvla -Wno-format-nonliteral
PKG_CFLAGS	 = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS	 = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS	 = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SANFLAGS) -Ishared $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL	 = $(SANFLAGS) $(LDFLAGS)

SHARED_SRC	:= $(wildcard shared/*.c)
HARNESS_SRC	:= tests/harness/stack.c tests/harness/client.c tests/harness/forge.c \
	tests/harness/relay.c
NAMES		:= $(patsubst fcgi/%/,%,$(wildcard fcgi/*/))
UNIT_NAMES	:= $(patsubst tests/unit/%/,%,$(wildcard tests/unit/*/))
INTEGRATION	:= $(patsubst tests/integration/test_%.c,%,$(wildcard tests/integration/test_*.c))

LIB		:= $(BUILD)/libquire.a
PROGRAMS	:= $(NAMES:%=$(BUILD)/quire-%) $(BUILD)/quire-migrate
TEST_PROGRAMS	:= $(UNIT_NAMES:%=$(BUILD)/tests/unit-%) $(INTEGRATION:%=$(BUILD)/tests/test-%) \
	$(BUILD)/quire-stack

# Extra pkg-config packages of one program (PKGS_post := libcmark libcurl).
PKGS_auth	:=
PKGS_post	:= libcmark libcurl

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# The objects of program $(1) without its main.c, for its unit tests.
program_objs = $(call obj,$(filter-out fcgi/$(1)/main.c,$(wildcard fcgi/$(1)/*.c)))

.PHONY: all deps check check-unit check-integration run bench clean
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
	$(CC) $(ALL_CFLAGS) $(if $(PKGS_$(word 2,$(subst /, ,$<))),$(shell pkg-config --cflags $(PKGS_$(word 2,$(subst /, ,$<))))) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(if $(PKGS_$(word 3,$(subst /, ,$<))),$(shell pkg-config --cflags $(PKGS_$(word 3,$(subst /, ,$<))))) -Itests/harness -Ifcgi -c $< -o $@

$(LIB): $(call obj,$(SHARED_SRC))
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/quire-%: $$(call obj,$$(wildcard fcgi/$$*/*.c)) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(if $(PKGS_$*),$(shell pkg-config --libs $(PKGS_$*)))

$(BUILD)/quire-migrate: $(call obj,sql/migrate.c) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/quire-stack: $(call obj,tests/harness/main.c tests/harness/stack.c) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)

# One unit test program per folder of tests/unit: shared, or a program's name.
$(BUILD)/tests/unit-%: $$(call obj,$$(wildcard tests/unit/$$*/*.c) tests/harness/forge.c) \
		$$(call program_objs,$$*) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(if $(PKGS_$*),$(shell pkg-config --libs $(PKGS_$*)))

# One integration test program per tests/integration/test_NAME.c.
$(BUILD)/tests/test-%: $$(call obj,tests/integration/test_$$*.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)

# The benchmark: its driver (on the test harness) and the floor FastCGI program.
$(BUILD)/bench/quire-bench: $(call obj,tests/bench/bench.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS)

$(BUILD)/bench/quire-bench-floor: $(call obj,tests/bench/floor.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

check: deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(TEST_PROGRAMS)
	@$(MAKE) --no-print-directory check-unit check-integration

# Every test program runs, even after one fails; the target fails if any did.
check-unit:
	@rc=0; for t in $(UNIT_NAMES); do echo "== unit-$$t"; \
		$(BUILD)/tests/unit-$$t || rc=1; done; exit $$rc

check-integration:
	@rc=0; for t in $(INTEGRATION); do echo "== test-$$t"; \
		QUIRE_BUILD=$(BUILD) $(BUILD)/tests/test-$$t || rc=1; done; exit $$rc

run: deps
	@$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/quire-stack
	$(BUILD)/quire-stack --var var --port $(PORT) --build $(BUILD)

# Never part of check: timing decides nothing there.
bench:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_PACKAGES) $(BENCH_PACKAGES)"
	@$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/bench/quire-bench \
		$(BUILD)/bench/quire-bench-floor
	QUIRE_BUILD=$(BUILD) $(BUILD)/bench/quire-bench

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
