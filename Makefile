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

AGENT_PKGS = libpcap netsnmp libuv jansson
COLLECTOR_PKGS = libuv sqlite3 jansson libmicrohttpd
TEST_PKGS = cmocka

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) \
	-DCLASSBAND_VERSION='"$(VERSION)"' -Icommon -Iagent -Icollector \
	$(sort $(call pc_cflags,$(AGENT_PKGS) $(COLLECTOR_PKGS)))
AGENT_LIBS = $(call pc_libs,$(AGENT_PKGS)) -lm
COLLECTOR_LIBS = $(call pc_libs,$(COLLECTOR_PKGS)) -lpthread -lm
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

COMMON_SRC = $(wildcard common/*.c)
AGENT_SRC = $(filter-out agent/main.c,$(wildcard agent/*.c))
COLLECTOR_SRC = $(filter-out collector/main.c,$(wildcard collector/*.c))
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
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

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
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS)
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
