# SPDX-License-Identifier: BSD-2-Clause
# streamkit - event-time stream analytics for Unix pipes.
#
#   make                 build lib/, cmd/common/ and every tool into build/
#   make check           unit tests of lib/, the layering checks, the
#                        bats suites, make crash and make fault
#   make check SANITIZE=1  the same under AddressSanitizer + UBSan
#   make tsan            tests/threads.bats (-j N) under ThreadSanitizer
#   make timeends        every tool at the int64-nanosecond ends of time
#                        (also part of make check)
#   make crash           kill -9 every stateful tool at >= 200 points
#   make fault           failed writes, syncs, renames, opens: every call
#                        (both also part of make check)
#   make demo            a pipeline over examples/access.ndjson
#   make bench           throughput against jq, Miller and yajl floors
#   make install PREFIX=/usr/local DESTDIR=
#   make dist            dist/streamkit-VERSION.tar.gz from git archive HEAD
#   make distcheck       make dist, then make check in the unpacked tarball
#   make deb             the Debian package, from that tarball, into dist/

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# The release: --version prints it; NEWS and debian/changelog follow it
# (tests/release.bats checks that they do).
VERSION	= 0.1.0
DIST	= streamkit-$(VERSION)

PKGS	= jansson yajl libpcre2-8
CC	?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	= -Wall -Wextra -Werror -Wpedantic -Wvla -Wshadow \
	  -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS	?= -O2 -g
SK_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread \
	  -DSK_VERSION='"$(VERSION)"' $(WARN) -Ilib $(PKG_CFLAGS)
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line
# (dpkg-buildflags) reach every compile and link.
SK_CFLAGS += $(CPPFLAGS)
# The tool runtime sees the engine; the engine never sees the runtime.
RT_CFLAGS = $(SK_CFLAGS) -Icmd/common
LDLIBS	= $(PKG_LIBS) -lm -pthread

ifeq ($(TSAN),1)
# ThreadSanitizer: -j N's threads (make tsan; CI runs it after
# make check SANITIZE=1).  It cannot share a build with ASan.
BUILD	= build-tsan
SK_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=thread
else ifeq ($(SANITIZE),1)
BUILD	= build-san
SK_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
else
BUILD	= build
endif

# Two layers: the engine (lib/, libstreamkit.a) and the tool runtime
# (cmd/common/, libstreamkit-rt.a) that only the commands link.
LIB_SRC	= $(wildcard lib/*.c)
LIB_OBJ	= $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
RT_SRC	= $(wildcard cmd/common/*.c)
RT_OBJ	= $(RT_SRC:cmd/common/%.c=$(BUILD)/cmd/common/%.o)
CMD_SRC	= $(wildcard cmd/stream-*.c)
TOOLS	= $(CMD_SRC:cmd/%.c=$(BUILD)/%)
TEST_SRC = $(wildcard tests/lib/test_*.c)
TESTS	= $(TEST_SRC:tests/lib/%.c=$(BUILD)/tests/%)
MAN1	= $(wildcard man/*.1)
MAN7	= $(wildcard man/*.7)

all: deps $(TOOLS)

deps:
	@.ci/deps build

Q	= $(if $(V),,@)

$(BUILD)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(SK_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/cmd/common/%.o: cmd/common/%.c cmd/common/*.h lib/*.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(RT_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libstreamkit.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/libstreamkit-rt.a: $(RT_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/stream-%: cmd/stream-%.c $(BUILD)/libstreamkit-rt.a \
    $(BUILD)/libstreamkit.a lib/*.h cmd/common/*.h
	@$(if $(V),,echo "  CCLD    $@")
	$(Q)$(CC) $(RT_CFLAGS) $(CFLAGS) $(LDFLAGS) $< \
	    $(BUILD)/libstreamkit-rt.a $(BUILD)/libstreamkit.a $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/lib/%.c $(BUILD)/libstreamkit.a lib/*.h tests/lib/*.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CCLD    $@")
	$(Q)$(CC) $(SK_CFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) $< \
	    $(BUILD)/libstreamkit.a $(LDLIBS) -o $@

CHECK_BATS = $(wildcard tests/*.bats)

unit: $(TESTS)
	@set -e; for t in $(TESTS); do $$t; done

# The crash harness and the fault sweep take under a minute together:
# make check runs them after the bats suites.
check: all $(BUILD)/fault.so
	@tests/lint.sh
	@.ci/deps test
	@$(MAKE) --no-print-directory unit
	@sh tests/layers.sh $(BUILD)
	@sh tests/includes.sh
	@sh tests/license.sh || { echo 'make check: the files above lack the' \
	    'SPDX-License-Identifier line (see tests/license.sh)' >&2; exit 1; }
	SK_BIN=$(CURDIR)/$(BUILD) SK_SANITIZE=$(SANITIZE) bats $(BATSFLAGS) \
	    $(CHECK_BATS)
	tests/crash/crash.sh $(BUILD)
	tests/fault/sweep.sh $(BUILD)

# tests/threads.bats (every tool at -j 1, 2 and 4) under ThreadSanitizer:
# make tsan builds into build-tsan and fails on any report but a thread
# leak: --strict, -q and fatal errors exit() with the decode threads
# still running, on purpose.  CI runs it after make check SANITIZE=1
# (.ci/run).
tsan:
	@$(MAKE) --no-print-directory TSAN=1 all
	TSAN_OPTIONS="halt_on_error=1 exitcode=86 report_thread_leaks=0 \
	    $(TSAN_OPTIONS)" \
	    SK_BIN=$(CURDIR)/build-tsan SK_SANITIZE=1 bats tests/threads.bats

timeends: all
	SK_BIN=$(CURDIR)/$(BUILD) SK_SANITIZE=$(SANITIZE) bats tests/timeends.bats

crash: all
	@.ci/deps test
	tests/crash/crash.sh $(BUILD)

# The fault shim is not built with the sanitizers: it is preloaded into
# the tools, and only the ASan runtime may come first (tests/fault/sweep.sh).
$(BUILD)/fault.so: tests/fault/fault.c
	@$(if $(V),,echo "  CCLD    $@")
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared \
	    $< -o $@ -ldl

fault: all $(BUILD)/fault.so
	@.ci/deps test
	tests/fault/sweep.sh $(BUILD)

demo: all
	@sh examples/demo.sh $(BUILD)

bench: all
	BIN=$(CURDIR)/$(BUILD) bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS:$(BUILD)/%=%); do \
	    install -m 644 completions/streamkit.bash \
	        $(DESTDIR)$(BASHCOMPDIR)/$$t; \
	done
	install -m 644 completions/_streamkit $(DESTDIR)$(ZSHCOMPDIR)/_streamkit
	for t in $(TOOLS:$(BUILD)/%=%); do \
	    install -m 644 completions/$$t.fish $(DESTDIR)$(FISHCOMPDIR)/$$t.fish; \
	done

uninstall:
	for t in $(TOOLS:$(BUILD)/%=%); do \
	    rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t \
	        $(DESTDIR)$(FISHCOMPDIR)/$$t.fish; \
	done
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	    $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) \
	    $(DESTDIR)$(ZSHCOMPDIR)/_streamkit

version:
	@echo $(VERSION)

# A release is a commit: the tarball holds HEAD, not the working tree.
dist:
	@mkdir -p dist
	@git diff --quiet HEAD -- 2>/dev/null || echo "dist: uncommitted" \
	    "changes are not in the tarball (it is HEAD)" >&2
	git archive --format=tar.gz --prefix=$(DIST)/ \
	    -o dist/$(DIST).tar.gz HEAD

# The tarball unpacked where no .git is in reach, then make check there.
distcheck: dist
	@set -e; tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/$(DIST).XXXXXX"); \
	tar -xzf dist/$(DIST).tar.gz -C "$$tmp"; \
	if git -C "$$tmp/$(DIST)" rev-parse --git-dir >/dev/null 2>&1; then \
	    echo "distcheck: $$tmp is inside a git tree; set TMPDIR" >&2; \
	    rm -rf "$$tmp"; exit 1; fi; \
	if $(MAKE) -C "$$tmp/$(DIST)" check; then rm -rf "$$tmp"; \
	    echo "distcheck: dist/$(DIST).tar.gz builds and passes make check"; \
	else echo "distcheck: failed; the unpacked tree is in $$tmp" >&2; \
	    exit 1; fi

# dpkg-buildpackage writes into the parent of the source tree: build in a
# scratch directory and keep the .deb files, .changes, .buildinfo and the
# build log (for blhc) in dist/.
deb: dist
	@.ci/deps pkg
	@set -e; arch=$$(dpkg --print-architecture); \
	log=dist/streamkit_$(VERSION)_$$arch.build; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/$(DIST)-deb.XXXXXX"); \
	tar -xzf dist/$(DIST).tar.gz -C "$$tmp"; \
	echo "  DEB     $(DIST) (log: $$log)"; \
	if ! (cd "$$tmp/$(DIST)" && env -u MAKEFLAGS -u MFLAGS \
	    -u MAKELEVEL dpkg-buildpackage -us -uc -b) \
	    >"$$log" 2>&1; then \
	    tail -n 40 "$$log"; rm -rf "$$tmp"; exit 1; fi; \
	cp "$$tmp"/*.deb "$$tmp"/*.buildinfo "$$tmp"/*.changes dist/; \
	rm -rf "$$tmp"; ls dist/*_$(VERSION)_$$arch.*

clean:
	rm -rf build build-san build-tsan build-fuzz dist

-include tests/fuzz/fuzz.mk

.PHONY: all deps unit check tsan timeends crash fault demo bench install \
	uninstall clean version dist distcheck deb
.SECONDARY:
