# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/fuzz.mk - libFuzzer harnesses of lib/, included by Makefile.
#
#   make fuzz               build every harness into build-fuzz/
#   make fuzz-smoke         each harness FUZZ_SECONDS (30) on a scratch copy
#                           of its seed corpus, then its regressions once
#   make fuzz-long          the same with FUZZ_SECONDS=600
#   make fuzz-smoke FUZZ_ONLY="record expr"   a subset
#   make fuzz-long FUZZ_LAX=1   fuzz past known, reported lib/ bugs
#                           (SK_FUZZ_LAX, fuzz_common.h); regressions
#                           always replay strictly
#
# Harnesses are tests/fuzz/fuzz_<name>.c; seeds in tests/fuzz/corpus/<name>/
# (never written to: runs use a copy), crashers that must stay fixed in
# tests/fuzz/regressions/<name>/, dictionaries in tests/fuzz/<name>.dict.
# The engine (lib/*.c, never cmd/common/: harnesses need no options, run
# loop or output descriptors) is compiled again here with the fuzzer's
# instrumentation; a harness whose lib/ sources do not exist yet is
# skipped with a message.  Needs clang with libFuzzer (clang,
# libclang-rt-dev).

FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC		?= clang
FUZZ_DIR	?= build-fuzz
FUZZ_SECONDS	?= 30
FUZZ_LAX	?=
FUZZ_PKGS	= jansson yajl libpcre2-8
FUZZ_SAN	= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	= -g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE \
		  -DSK_VERSION='"fuzz"' -Ilib -Itests/fuzz \
		  $(shell pkg-config --cflags $(FUZZ_PKGS))
FUZZ_LIBS	= $(shell pkg-config --libs $(FUZZ_PKGS)) -lm -lpthread
# libFuzzer options shared by every run.
FUZZ_RUNOPTS	= -timeout=60 -rss_limit_mb=2560 -max_len=16384 \
		  -print_final_stats=1
# fuzz-smoke is a gate (CI runs it): a fixed seed makes a run the same
# sequence of inputs each time, so it passes or fails on the code, not on
# luck.  fuzz-long explores (seed 0: a random one).
FUZZ_SEED	?= 1

# What a failed run's log says about why.
FUZZ_WHY	= CHECK failed|SUMMARY|: got |differs|accepted|rejected|is [01] but
FUZZ_ALL	= record expr time kcat reader jcur aggdecode state
# What a harness needs beyond the lib/ there from the start: FILE:FUNCTION
# pairs, a function defined KNF-style (its name at the start of a line).
FUZZ_NEEDS_jcur		= lib/jcur.c:jc_init
FUZZ_NEEDS_aggdecode	= lib/jcur.c:jc_init lib/agg.c:aggset_decode \
			  lib/agg.c:aggset_parse lib/agg.c:aggset_encode
# Extra link flags: the reader harness chops read(2) into small pieces.
FUZZ_LDFLAGS_reader	= -Wl,--wrap=read

fuzz_lp		:= (
fuzz_has	= $(shell grep -qs '^$(word 2,$(subst :, ,$(1)))$(fuzz_lp)' \
		  $(word 1,$(subst :, ,$(1))) && echo yes)
fuzz_missing	= $(strip $(foreach s,$(FUZZ_NEEDS_$(1)),\
		  $(if $(call fuzz_has,$(s)),,$(s))))
FUZZ_READY	:= $(foreach h,$(FUZZ_ALL),$(if $(call fuzz_missing,$(h)),,$(h)))
FUZZ_SKIPPED	= $(filter-out $(FUZZ_READY),$(FUZZ_ALL))
FUZZ_ONLY	?= $(FUZZ_READY)
FUZZ_RUN	= $(filter $(FUZZ_ONLY),$(FUZZ_READY))
FUZZ_BINS	= $(FUZZ_READY:%=$(FUZZ_DIR)/fuzz_%)

FUZZ_LIB_SRC	= $(wildcard lib/*.c)
FUZZ_LIB_OBJ	= $(FUZZ_LIB_SRC:lib/%.c=$(FUZZ_DIR)/lib/%.o)
FUZZ_LIB	= $(FUZZ_DIR)/libstreamkit-fuzz.a

fuzz: $(FUZZ_BINS)
	@$(foreach h,$(FUZZ_SKIPPED),echo "fuzz: skipping fuzz_$(h):\
	    $(call fuzz_missing,$(h)) not there yet";) true
	@echo "fuzz: built $(FUZZ_READY:%=fuzz_%) in $(FUZZ_DIR)/"

$(FUZZ_DIR)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(FUZZ_LIB) lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer \
	    $< $(FUZZ_LIB) $(FUZZ_LIBS) $(FUZZ_LDFLAGS_$*) -o $@

# One harness: fuzz a scratch copy of the seeds, then replay regressions.
# Crashes land in $(FUZZ_DIR)/artifacts/<name>/ and fail the target.
define FUZZ_ONE
	h=$(1); bin=$(FUZZ_DIR)/fuzz_$$h; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/sk-fuzz-$$h.XXXXXX") || exit 1; \
	art=$(FUZZ_DIR)/artifacts/$$h; mkdir -p $$art; \
	if [ -d tests/fuzz/corpus/$$h ]; then \
	    cp -R tests/fuzz/corpus/$$h/. $$tmp/; fi; \
	dict=""; [ -f tests/fuzz/$$h.dict ] && \
	    dict="-dict=tests/fuzz/$$h.dict"; \
	echo "fuzz: $$h for $(2)s"; \
	SK_FUZZ_LAX=$(FUZZ_LAX) $$bin $$dict $(FUZZ_RUNOPTS) \
	    -seed=$(FUZZ_SEED) -max_total_time=$(2) \
	    -artifact_prefix=$$art/ $$tmp > $(FUZZ_DIR)/$$h.log 2>&1; \
	rc=$$?; rm -rf "$$tmp"; \
	grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|cov:' \
	    $(FUZZ_DIR)/$$h.log | tail -2; \
	if [ $$rc -ne 0 ]; then \
	    echo "fuzz: $$h FAILED (exit $$rc), log $(FUZZ_DIR)/$$h.log," \
	        "artifacts in $$art/"; \
	    grep -E '$(FUZZ_WHY)' \
	        $(FUZZ_DIR)/$$h.log | head -5; \
	    fail=1; \
	fi; \
	reg=$$(find tests/fuzz/regressions/$$h -type f ! -name '*.md' \
	    2>/dev/null | sort); \
	if [ -n "$$reg" ]; then \
	    echo "fuzz: $$h regressions: $$(echo "$$reg" | wc -l) file(s)"; \
	    : > $(FUZZ_DIR)/$$h-reg.log; \
	    for r in $$reg; do \
	        if ! SK_FUZZ_LAX= $$bin $(FUZZ_RUNOPTS) $$r \
	            >> $(FUZZ_DIR)/$$h-reg.log 2>&1; then \
	            echo "fuzz: $$h regression FAILED: $$r"; \
	            fail=1; \
	        fi; \
	    done; \
	fi
endef

fuzz-smoke: fuzz
	@fail=0; \
	$(foreach h,$(FUZZ_RUN),$(call FUZZ_ONE,$(h),$(FUZZ_SECONDS));) \
	exit $$fail

fuzz-long:
	@$(MAKE) --no-print-directory fuzz-smoke FUZZ_SECONDS=600 \
	    FUZZ_LAX=$(FUZZ_LAX) FUZZ_SEED=0

fuzz-clean:
	rm -rf $(FUZZ_DIR)

.PHONY: fuzz fuzz-smoke fuzz-long fuzz-clean

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
