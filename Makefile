# srwatch - a suite of small C tools that keep StarRocks fleets healthy.
# Adding a tool means adding cmd/NAME/*.c (and man/man1/NAME.1, t/NNNN-NAME.t).

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
PKGS = libcurl jansson libcjson libmariadb openssl libmicrohttpd yaml-0.1 simdjson re2
CXX ?= g++
CXXFLAGS ?= -O2 -g

override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Iinclude \
	-MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDLIBS += -Wl,--as-needed $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
	-lstdc++ -lpthread -lm
# lib/*.cpp: thin C shims over C++ libraries (simdjson for lib/val.c, RE2
# for PromQL's regex matchers); the rest of the library is C
override CXXFLAGS += -std=c++17 -Wall -Wextra -fno-exceptions -fno-rtti -Iinclude \
	-MMD -MP $(shell pkg-config --cflags simdjson re2 2>/dev/null)

ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
O = build-san
else
O = build
endif
BIN = $(O)/bin
# quiet by default; make V=1 shows the commands
ifeq ($(V),1)
Q =
else
Q = @
endif

LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(LIBSRC:%.c=$(O)/%.o) $(patsubst %.cpp,$(O)/%.o,$(wildcard lib/*.cpp))
LIB = $(O)/libsrw.a
TOOLS = $(notdir $(patsubst %/,%,$(wildcard cmd/*/)))
BINS = $(TOOLS:%=$(BIN)/%)
UNITSRC = $(wildcard t/unit/*.c)
UNITS = $(UNITSRC:t/unit/%.c=$(O)/t/%)
SCRIPTS = $(wildcard scripts/*)

all: $(BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(O)/%.o: %.cpp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CXXFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

define tool_rule
$(BIN)/$(1): $(patsubst %.c,$(O)/%.o,$(wildcard cmd/$(1)/*.c)) $(LIB)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

$(O)/t/%: t/unit/%.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CHECK   $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(shell pkg-config --cflags --libs check) $(LDLIBS)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

deps:
	@scripts/install-deps

# The test suite: Check unit tests, then the TAP tests against a private
# MariaDB server (scripts/testdb) in .testdb/.  Ends with one line:
# "make check: PASS" or "make check: FAIL".
TESTDB ?= $(CURDIR)/.testdb-$(O)
check: deps
	@$(MAKE) --no-print-directory all units
	@SRW_BIN=$(CURDIR)/$(BIN) SRW_O=$(O) SRW_TESTDB=$(TESTDB) \
		scripts/run-tests $(UNITS)

units: $(UNITS)

demo: deps all
	@SRW_BIN=$(CURDIR)/$(BIN) scripts/demo

bench: deps all
	@SRW_BIN=$(CURDIR)/$(BIN) bench/run

# libFuzzer targets (fuzz/*.c, built with clang): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/srwatch
	cp $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp scripts/daily-alert-pipeline $(DESTDIR)$(PREFIX)/bin/ 2>/dev/null || true
	cp man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	cp man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	cp -r sql $(DESTDIR)$(PREFIX)/share/srwatch/

clean:
	rm -rf build build-san

.PHONY: all check units demo bench fuzz install clean deps
