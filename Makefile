# classband build. Plain GNU make; every library found with pkg-config.
#   make              both programs (build/ by default; BUILD=dir to change)
#   make CC=clang     with clang
#   make SANITIZE=1   ASan + UBSan build (into build-san/ unless BUILD is set)
#   make test         unit + integration tests (installs Debian deps first)
#   make demo         the end-to-end demo on an embedded SQLite file
#   make deps         install (as root) or print the Debian packages needed
# New .c files are picked up by wildcard: agent/*.c and collector/*.c other
# than main.c go into a static library each, so tests link what they use.

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS =
endif

CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

AGENT_PKGS = libpcap netsnmp libuv jansson libssl libcrypto
# The store's backend, chosen at build time: collector/storage_$(STORAGE)*.c
# implement the backend-neutral storage*.h interfaces (docs/DESIGN.md,
# "Storage behind interfaces"); no other collector file names a database.
# sqlite is the one that exists.
STORAGE ?= sqlite
STORAGE_PKGS_sqlite = sqlite3
COLLECTOR_PKGS = libuv $(STORAGE_PKGS_$(STORAGE)) jansson libmicrohttpd \
	libssl libcrypto
# tests seed and check stores with SQLite directly
TEST_PKGS = cmocka sqlite3

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(CFLAGS) $(SANFLAGS) \
	-DCLASSBAND_VERSION='"$(VERSION)"' -Icommon -Iagent -Icollector \
	$(sort $(call pc_cflags,$(AGENT_PKGS) $(COLLECTOR_PKGS)))
AGENT_LIBS = $(call pc_libs,$(AGENT_PKGS)) -lm
COLLECTOR_LIBS = $(call pc_libs,$(COLLECTOR_PKGS)) -lpthread -lm
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Link-time optimisation of the agent with GCC: the packet path runs
# through pkt.c, classmap.c, flowagg.c and capture.c, and LTO inlines them
# into the capture callback (about 4% of the agent's CPU per packet in
# bench/capture.sh). Fat objects keep the static libraries usable by links
# without LTO (tests, tools). Not with clang (no fat objects in Debian 12's
# clang) or sanitizers; LTO=0 turns it off.
ifeq ($(SANITIZE),0)
ifneq ($(shell $(CC) -v 2>&1 | grep -c '^gcc version'),0)
LTO ?= 1
endif
endif
LTO ?= 0
ifeq ($(LTO),1)
LTOFLAGS = -flto=auto -ffat-lto-objects
endif

COMMON_SRC = $(wildcard common/*.c)
AGENT_SRC = $(filter-out agent/main.c,$(wildcard agent/*.c))
STORAGE_SRC = $(wildcard collector/storage_$(STORAGE)*.c)
ifeq ($(STORAGE_SRC),)
$(error no storage backend collector/storage_$(STORAGE)*.c)
endif
COLLECTOR_SRC = $(filter-out collector/main.c collector/storage_%.c, \
	$(wildcard collector/*.c)) $(STORAGE_SRC)
TEST_SRC = $(wildcard tests/test_*.c)
TOOL_SRC = $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCOMMON = $(BUILD)/libcommon.a
LIBAGENT = $(BUILD)/libagent.a
LIBCOLLECTOR = $(BUILD)/libcollector.a
AGENT_BIN = $(BUILD)/classband-agent
COLLECTOR_BIN = $(BUILD)/classband-collector
TESTS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TOOLS = $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))

all: $(AGENT_BIN) $(COLLECTOR_BIN)

# V=1 shows the full command lines.
ifeq ($(V),1)
Q =
else
Q = @
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(OBJ_LTO) -MMD -MP -c $< -o $@
$(BUILD)/obj/agent/%.o $(BUILD)/obj/common/%.o: OBJ_LTO = $(LTOFLAGS)

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
$(LIBAGENT): $(call obj,$(AGENT_SRC))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
SCHEMA_SQL = $(sort $(wildcard schema/[0-9]*.sql))
$(BUILD)/gen/schema.c: $(SCHEMA_SQL) schema/embed.sh
	@mkdir -p $(dir $@)
	sh schema/embed.sh $@ $(SCHEMA_SQL)
$(BUILD)/obj/gen/schema.o: $(BUILD)/gen/schema.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCOLLECTOR): $(call obj,$(COLLECTOR_SRC)) $(BUILD)/obj/gen/schema.o
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(AGENT_BIN): $(call obj,agent/main.c) $(LIBAGENT) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $(LTOFLAGS) $(CFLAGS) -o $@ $^ $(AGENT_LIBS)
$(COLLECTOR_BIN): $(call obj,collector/main.c) $(LIBCOLLECTOR) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COLLECTOR_LIBS)

ALL_LIBS = $(AGENT_LIBS) $(COLLECTOR_LIBS) $(call pc_libs,$(TEST_PKGS))
$(BUILD)/tests/%: $(call obj,tests/%.c) $(LIBAGENT) $(LIBCOLLECTOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LIBS)
$(BUILD)/tools/%: $(call obj,tests/tools/%.c) $(LIBAGENT) $(LIBCOLLECTOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LIBS)

tests-build: all $(TESTS) $(TOOLS)

deps:
	@sh tests/deps.sh

test: deps
	@$(MAKE) --no-print-directory tests-build
	@BUILD=$(BUILD) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all tools
	@BUILD=$(BUILD) sh tests/demo.sh

tools: $(TOOLS)

clean:
	rm -rf $(BUILD)

.PHONY: all deps test demo tools tests-build clean
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- packaging (packaging/, man/, tests/cross/; see docs/INSTALL.md) --------
#   make install    [DESTDIR=] [PREFIX=/usr/local] [SYSCONFDIR=$(PREFIX)/etc]
#                   [SYSTEMDUNITDIR=/etc/systemd/system]
#   make deb        classband-agent and classband-collector .debs into
#                   $(BUILD)/deb/, lintian-checked
#   make cross      the agent for arm64, armhf, mipsel (CROSS_ARCHES) with
#                   Debian's cross toolchains, into $(BUILD)/cross/ARCH/
PREFIX ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSTEMDUNITDIR ?=
CROSS_ARCHES ?= arm64 armhf mipsel

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/classband \
		$(DESTDIR)$(DATADIR)/classband/profiles
	install -m 0755 $(AGENT_BIN) $(COLLECTOR_BIN) $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 packaging/conf/agent.conf.sample \
		packaging/conf/collector.conf.sample \
		$(DESTDIR)$(SYSCONFDIR)/classband/
	install -m 0644 agent/profiles/*.profile \
		$(DESTDIR)$(DATADIR)/classband/profiles/
	find schema -type f ! -name embed.sh | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(DATADIR)/classband/$$f" \
		|| exit 1; done
	if [ -d $(BUILD)/web ]; then find $(BUILD)/web -type f | \
		while read -r f; do install -D -m 0644 "$$f" \
		"$(DESTDIR)$(DATADIR)/classband/web/$${f#$(BUILD)/web/}" \
		|| exit 1; done; fi
	# systemd units only when asked (SYSTEMDUNITDIR=/etc/systemd/system),
	# with the paths of this install
	if [ -n "$(SYSTEMDUNITDIR)" ]; then \
		install -d $(DESTDIR)$(SYSTEMDUNITDIR) && \
		for u in packaging/systemd/*.service; do \
		sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
		    -e 's|/etc/classband/|$(SYSCONFDIR)/classband/|g' "$$u" \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} || exit 1; done; fi

deb:
	sh packaging/build-deb.sh $(BUILD)/deb

cross:
	@for a in $(CROSS_ARCHES); do \
		sh tests/cross/build.sh $$a $(BUILD)/cross/$$a || exit 1; done

.PHONY: install deb cross

# ---- fuzzing: tests/fuzz/README.md ----
# make fuzz        builds every tests/fuzz/fuzz_*.c with clang, libFuzzer,
#                  ASan and UBSan into $(FUZZ_BUILD)/ and runs each for
#                  FUZZ_SECONDS (default 600) on a copy of its seed corpus;
#                  fails if any harness crashes, leaks, hits UB or times out
# make fuzz-smoke  the same for 20 s each
# FUZZ_PARALLEL=2 runs two harnesses at a time; FUZZ_ONLY="wire conf" some.
# No -Werror here: a warning clang gives in code being written must not stop
# the fuzzers (the normal build enforces warnings).
FUZZ_CC ?= clang
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 600
FUZZ_PARALLEL ?= 1
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(filter-out -Werror,$(WARN)) -O1 -g \
	$(FUZZ_SAN) \
	-DCLASSBAND_VERSION='"$(VERSION)"' -Icommon -Iagent -Icollector \
	$(sort $(call pc_cflags,$(AGENT_PKGS) $(COLLECTOR_PKGS)))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(COMMON_SRC) \
	$(AGENT_SRC) $(COLLECTOR_SRC)) $(FUZZ_BUILD)/obj/gen/schema.o

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
		-c $< -o $@
$(FUZZ_BUILD)/gen/schema.c: $(SCHEMA_SQL) schema/embed.sh
	@mkdir -p $(dir $@)
	sh schema/embed.sh $@ $(SCHEMA_SQL)
$(FUZZ_BUILD)/obj/gen/schema.o: $(FUZZ_BUILD)/gen/schema.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/libfuzztarget.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o \
		$(FUZZ_BUILD)/libfuzztarget.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ \
		$(AGENT_LIBS) $(COLLECTOR_LIBS)

fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		FUZZ_PARALLEL=$(FUZZ_PARALLEL) FUZZ_ONLY="$(FUZZ_ONLY)" \
		sh tests/fuzz/run.sh
fuzz-smoke: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=20 FUZZ_PARALLEL=1 \
		FUZZ_ONLY="$(FUZZ_ONLY)" sh tests/fuzz/run.sh

.PHONY: fuzz fuzz-build fuzz-smoke
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

# Issue 5 (store and forward under faults). `make bench` runs every
# bench/*.sh, each printing a markdown table (BENCH_* variables in each
# script's header). `make soak` runs the fault tests' long versions: the
# same scripts as in `make test`, with bigger parameters.
bench: tests-build
	@for s in bench/*.sh; do echo "== $$s"; \
		BUILD=$(BUILD) sh $$s || exit 1; done
soak: tests-build
	@ulimit -n 16384 2>/dev/null; st=0; \
	FAULT_AGENTS=500 FAULT_BATCHES=300 FAULT_INTERVAL=400 FAULT_KILLS=25 \
		FAULT_PERIOD=4 BUILD=$(BUILD) sh tests/run.sh fault_collector_kill || st=1; \
	FAULT_LOCK_SECS=20 BUILD=$(BUILD) sh tests/run.sh fault_db_locked || st=1; \
	FAULT_MINUTES=4000 BUILD=$(BUILD) sh tests/run.sh fault_agent_kill || st=1; \
	FAULT_MINUTES=4000 BUILD=$(BUILD) sh tests/run.sh fault_backlog_24h || st=1; \
	FAULT_FULL_SECS=60 BUILD=$(BUILD) sh tests/run.sh fault_disk_full || st=1; \
	FAULT_AGENTS=2000 FAULT_BATCHES=30 FAULT_DOWN_SECS=10 BUILD=$(BUILD) \
		sh tests/run.sh fault_restart_2000 || st=1; \
	FAULT_AGENTS=2000 FAULT_BATCHES=90 FAULT_DOWN_SECS=90 BUILD=$(BUILD) \
		sh tests/run.sh fault_restart_2000 || st=1; \
	exit $$st
.PHONY: bench soak

# The dashboard (collector/web): front-end libraries from npm, bundled with
# esbuild into $(BUILD)/web, which `serve` finds through http_web_dir (the
# packages install it under /usr/share/classband/web). Needs npm's registry
# on first build only; nothing is fetched at run time.
web:
	sh collector/web/build.sh $(BUILD)
.PHONY: web
