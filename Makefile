# srwatch - a suite of small C tools that keep StarRocks fleets healthy.
# Adding a tool means adding cmd/NAME/*.c (and man/man1/NAME.1, t/NNNN-NAME.t).

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
PKGS = libcurl jansson libcjson libmariadb openssl libmicrohttpd yaml-0.1 \
	libprotobuf-c snappy simdjson re2
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
# the board's page is embedded with .incbin, which -MMD does not see
$(O)/cmd/board/page.o: cmd/board/page.html cmd/board/board.js cmd/board/board.css

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

bench: all
	@scripts/install-deps --bench
	@SRW_BIN=$(CURDIR)/$(BIN) bench/run

# The investigation scenarios (t/scenarios/eval): the rules and the scripted
# model on each, a scoreboard, against a private database.  EVAL_ARGS=--real
# runs the model half against the API in ANTHROPIC_API_KEY/ANTHROPIC_BASE_URL.
EVALDB ?= $(CURDIR)/.testdb-eval
eval: all
	@scripts/testdb destroy $(EVALDB) >/dev/null 2>&1; \
	exports=$$(scripts/testdb start $(EVALDB)) || exit 1; eval "$$exports"; \
	SRW_BIN=$(CURDIR)/$(BIN) t/scenarios/eval $(EVAL_ARGS); st=$$?; \
	scripts/testdb destroy $(EVALDB) >/dev/null 2>&1; exit $$st

# libFuzzer targets (fuzz/*.c, built with clang): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run

# install: everything a deployment needs.  PREFIX (default /usr/local) and
# DESTDIR as usual; SYSCONFDIR is where the units look for srwatch/env
# (default /etc); UNITDIR where systemd units go.  Paths inside the units,
# the crontab and inetd.conf are substituted for PREFIX.  srwatch(7)
# DEPLOYMENT says what to do next (user, directories, env file, DDL, units).
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/srwatch
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTSCRIPTS = daily-alert-pipeline srwatch-env srwatch-metrics srwatch-targets
UNITFILES = $(wildcard contrib/systemd/*.service contrib/systemd/*.socket contrib/systemd/*.timer)
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/share/srwatch|$(DATADIR)|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(DATADIR)/contrib/grafana $(DESTDIR)$(UNITDIR)
	install -m 755 $(BINS) $(INSTSCRIPTS:%=scripts/%) $(DESTDIR)$(BINDIR)/
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7/
	cp -R sql share/kb share/rules $(DESTDIR)$(DATADIR)/
	install -m 644 contrib/grafana/*.json contrib/grafana/README $(DESTDIR)$(DATADIR)/contrib/grafana/
	install -m 644 contrib/env.example contrib/alertmanager-webhookd.yml $(DESTDIR)$(DATADIR)/contrib/
	$(SUBST) crontab.example >$(DESTDIR)$(DATADIR)/contrib/crontab.example
	$(SUBST) contrib/inetd.conf >$(DESTDIR)$(DATADIR)/contrib/inetd.conf
	for u in $(UNITFILES); do \
		$(SUBST) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(INSTSCRIPTS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/%,$(wildcard man/man1/*.1 man/man7/*.7))
	rm -f $(patsubst contrib/systemd/%,$(DESTDIR)$(UNITDIR)/%,$(UNITFILES))
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

.PHONY: all check units demo bench eval fuzz install uninstall clean deps
