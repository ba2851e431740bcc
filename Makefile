# sigbridge — one non-recursive Makefile. Outputs go to build/ (build/san/ with SAN=1).
PKG_CONFIG ?= pkg-config
CC ?= cc
PYTHON ?= python3

PKGS      := openssl libxml-2.0 libevent libevent_pthreads libevent_openssl yaml-0.1 jansson
TEST_PKGS := cmocka
DEB_PKGS  := build-essential pkg-config libssl-dev libxml2-dev libevent-dev libyaml-dev \
             libjansson-dev libcmocka-dev openssl xmlsec1 curl python3 python3-cryptography clang \
             libclang-rt-14-dev wrk libgoogle-perftools-dev

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
else
BUILD   := build
SANFLAGS := -O2 -g
endif

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS_ALL  = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(SANFLAGS) -MMD -MP \
              -I. $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS_ALL  = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread $(LDLIBS)
# The daemon's allocator: gperftools' tcmalloc (per-thread caches) unless MALLOC=libc. A request allocates and
# frees a few hundred small blocks (OpenSSL's decoders, the verdict); under glibc's malloc that was ~17% of the
# daemon's CPU at saturation (arena locks, malloc_consolidate). Not with SAN=1: the sanitizers bring their own.
MALLOC ?= tcmalloc
ifeq ($(SAN)$(MALLOC),tcmalloc)
BIN_MALLOC  = $(shell $(PKG_CONFIG) --libs libtcmalloc_minimal 2>/dev/null || echo -ltcmalloc_minimal)
endif
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

PKI_SRC     := $(wildcard pki/*/*.c)
ADAPTER_SRC := $(wildcard adapters/*.c)
GW_SRC      := $(wildcard gateway/daemon/*.c)
CLI_SRC     := $(wildcard gateway/cli/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

PKI_OBJ     := $(PKI_SRC:%.c=$(BUILD)/obj/%.o)
ADAPTER_OBJ := $(ADAPTER_SRC:%.c=$(BUILD)/obj/%.o)
GW_OBJ      := $(GW_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# The generated test/demo PKIs live in one place for every build flavour: policies/*.yaml refer to them.
PKI_DIR := build/pki
LIBPKI := $(BUILD)/libsbpki.a
LIBAD  := $(BUILD)/libsbadapters.a
LIBGW  := $(BUILD)/libsbgw.a
BIN    := $(BUILD)/sigbridge

.PHONY: all deps test unit integration conformance layout clean pki-fixtures demo
all: deps $(BIN)

# $(call deb_install,WHO,PACKAGES): installs the missing ones when run as root; otherwise prints the exact
# command and fails.
define deb_install
missing=""; for p in $(2); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "$(1): installing$$missing"; \
    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
  else \
    echo "$(1): missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
  fi; \
fi
endef

# The Debian packages of DEB_PKGS. Every compile rule has it as an order-only prerequisite, so `make -j`
# never compiles before the headers exist.
deps:
	@$(call deb_install,deps,$(DEB_PKGS))

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBPKI): $(PKI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBAD): $(ADAPTER_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBGW): $(GW_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIBGW) $(LIBAD) $(LIBPKI)
	@echo "  LD  $@"
	@$(CC) $(SANFLAGS) -o $@ $(CLI_OBJ) $(LIBGW) $(LIBAD) $(LIBPKI) $(LDLIBS_ALL) $(BIN_MALLOC)

$(BUILD)/tests/%: tests/unit/%.c $(LIBGW) $(LIBAD) $(LIBPKI)
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIBGW) $(LIBAD) $(LIBPKI) $(TEST_LIBS) $(LDLIBS_ALL)

# make test T=test_chain runs one unit test only.
test: all $(UNIT_BIN) pki-fixtures
	@$(MAKE) --no-print-directory layout unit integration conformance fuzz-replay

# The source tree's structural rules (README "Source tour"): layers, no include cycles, no .c over 750 lines.
layout:
	@$(PYTHON) tests/layout/check_layout.py

pki-fixtures: $(BIN)
	@sh tests/pki/make-all.sh $(PKI_DIR) >/dev/null

unit: $(UNIT_BIN)
	@fail=0; for t in $(if $(T),$(BUILD)/tests/$(T),$(UNIT_BIN)); do \
	  echo "== $$t"; SB_BIN=$(BIN) SB_PKI=$(PKI_DIR) $$t || fail=1; done; exit $$fail

INTEGRATION := $(wildcard tests/integration/test_*.sh)

integration: $(BIN) pki-fixtures
	@fail=0; for t in $(INTEGRATION); do echo "== $$t"; \
	  SB_BIN=$(BIN) SB_PKI=$(PKI_DIR) sh $$t || fail=1; done; exit $$fail

# make test-valgrind: the integration tests with every sigbridge process under valgrind memcheck
# (tests/valgrind/sb-valgrind.sh on a copy of $(BIN), SB_TEST_SLOW=1: longer waits, smaller loads); fails on any
# error in $(BUILD)/valgrind/vg.*.log.
VG_DIR := $(BUILD)/valgrind
.PHONY: test-valgrind
test-valgrind: all pki-fixtures
	@$(call deb_install,test-valgrind,valgrind)
	@rm -rf $(VG_DIR) && mkdir -p $(VG_DIR) && cp $(BIN) $(VG_DIR)/sigbridge
	@fail=0; for t in $(INTEGRATION); do echo "== $$t"; \
	  SB_BIN=$(CURDIR)/tests/valgrind/sb-valgrind.sh SB_VALGRIND_BIN=$(CURDIR)/$(VG_DIR)/sigbridge \
	  SB_VALGRIND_LOG_DIR=$(CURDIR)/$(VG_DIR) SB_TEST_SLOW=1 \
	  SB_PKI=$(PKI_DIR) sh $$t || fail=1; done; \
	n=$$(find $(VG_DIR) -name 'vg.*.log' | wc -l); \
	bad=$$(grep -lE '^==[0-9]+== +(at|by) 0x' $(VG_DIR)/vg.*.log 2>/dev/null); \
	echo "test-valgrind: $$n processes checked, $$(echo $$bad | wc -w) with valgrind errors"; \
	[ -z "$$bad" ] || { echo "valgrind errors in:"; for f in $$bad; do echo "  $$f"; done; fail=1; }; \
	exit $$fail

conformance: $(BIN)
	@$(PYTHON) tests/conformance/run_limbo.py --bin $(BIN) --corpus tests/conformance/limbo.json \
	    --floor tests/conformance/floor.txt --skip tests/conformance/skip.txt

# Micro-benchmark, timing only (never part of `make test`): CMS verifications/s next to raw signature
# verifies/s for the same keys, one run (tests/bench/bench_crypto.c), then what decoding one new certificate
# costs with OpenSSL's d2i_X509 and with sb_cert_d2i (tests/bench/bench_decode.c). BENCH_SECONDS=S sets the
# time per row.
BENCH_DIR := $(BUILD)/bench
BENCH_BIN := $(BENCH_DIR)/bench_crypto
.PHONY: bench-crypto
bench-crypto: $(BENCH_BIN) $(BENCH_DIR)/bench_decode $(BIN) pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench-crypto: SAN=1 build; the figures below are not meaningful")
	@printf 'sigbridge bench-crypto document\n' >$(BENCH_DIR)/doc.txt
	@$(BIN) sign --format cms --key $(PKI_DIR)/hk/leaf.key --cert $(PKI_DIR)/hk/leaf.pem \
	    --chain $(PKI_DIR)/hk/chain.pem $(BENCH_DIR)/doc.txt >$(BENCH_DIR)/hk-rsa.cms.der
	@$(BIN) sign --format gmt0010 --key $(PKI_DIR)/cn/leaf.key --cert $(PKI_DIR)/cn/leaf.pem \
	    --chain $(PKI_DIR)/cn/chain.pem $(BENCH_DIR)/doc.txt >$(BENCH_DIR)/cn-sm2.gmt0010.der
	@$(BENCH_BIN) $(if $(BENCH_SECONDS),--seconds $(BENCH_SECONDS)) $(PKI_DIR) \
	    $(BENCH_DIR)/hk-rsa.cms.der $(BENCH_DIR)/cn-sm2.gmt0010.der $(BENCH_DIR)/doc.txt
	@echo
	@$(BENCH_DIR)/bench_decode $(PKI_DIR)/hk/leaf.pem $(PKI_DIR)/mo/leaf-ec.pem $(PKI_DIR)/cn/leaf.pem \
	    $(PKI_DIR)/hk/int.pem

$(BENCH_BIN): tests/bench/bench_crypto.c $(LIBPKI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIBPKI) $(LDLIBS_ALL)

$(BENCH_DIR)/bench_decode: tests/bench/bench_decode.c $(LIBPKI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIBPKI) $(LDLIBS_ALL)

# The fast-path benchmark (tests/bench/bench.py, ~5.5 min, timing only): openssl speed, the bare OpenSSL
# CMS_verify loop (1 and 2 threads), the library in-process and `sigbridge serve` under wrk, for a 3-level
# RSA CMS, a 3-level ECDSA CMS and an SM2 GM/T 0010 object, caches off / certificates only / on; then
# (tests/bench/bench_distinct.py, sbload closed loop, JSON envelope with detached content) distinct signers
# per algorithm (N 2000-4000 keys issued by the demo intermediates, tests/bench/gen_distinct.c, cached in
# $(BENCH_DIR)/distinct-*; the first run generates them, a few minutes) with caches smaller than N and with
# caches off (+ a /healthz probe), one signer with a different content per request, the bare loop on the same
# inputs, and latency at half saturation.
# BENCH_HTTP_SECONDS=S sets the measured time of each HTTP run (default 4); BENCH_REPS=R repeats each distinct /
# one-signer saturation run and reports the median (default 1); BENCH_DISTINCT_ONLY=1 runs only that part.
.PHONY: bench
bench: deps $(BENCH_DIR)/bench_bare $(BENCH_DIR)/bench_lib $(BENCH_DIR)/sbload $(BENCH_DIR)/gen_distinct $(BIN) \
       pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench: SAN=1 build; the figures below are not meaningful")
	@$(PYTHON) tests/bench/bench.py --bin $(BIN) --pki $(PKI_DIR) --policies policies --bench-bin $(BENCH_DIR) \
	    --out $(BENCH_DIR) $(if $(BENCH_HTTP_SECONDS),--seconds $(BENCH_HTTP_SECONDS)) \
	    $(if $(BENCH_REPS),--reps $(BENCH_REPS)) $(if $(filter 1,$(BENCH_DISTINCT_ONLY)),--distinct-only)

$(BENCH_DIR)/bench_bare: tests/bench/bench_bare.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LDLIBS_ALL)

$(BENCH_DIR)/bench_lib: tests/bench/bench_lib.c $(LIBPKI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIBPKI) $(LDLIBS_ALL)

# Latency and memory goals of the fast path (tests/bench/soak.py, timing only, never asserted), measured with
# the open-loop load generator tests/bench/sbload.c (latency from each request's intended send time).
# bench-latency: per object (RSA, ECDSA, SM2) the closed-loop saturation rate, then 50% of it for
#   BENCH_LATENCY_SECONDS (default 60): p50/p99/p99.9/max, requests over 100 ms (~4 min).
# bench-soak: BENCH_SOAK_SIGNERS (default 100000) distinct signers (tests/bench/gen_signers.c, cached in
#   $(BENCH_DIR)/signers-N.bin) at 50% of saturation for BENCH_SOAK_SECONDS (default 300), the daemon's RSS
#   sampled every 5 s (printed every minute; flat within 5% over the last 20 minutes, or over the last half of a
#   shorter run), cache metrics at the end.
.PHONY: bench-latency bench-soak
bench-latency: deps $(BENCH_DIR)/sbload $(BIN) pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench-latency: SAN=1 build; the figures below are not meaningful")
	@$(PYTHON) tests/bench/soak.py latency --bin $(BIN) --pki $(PKI_DIR) --policies policies \
	    --bench-bin $(BENCH_DIR) --out $(BENCH_DIR) $(if $(BENCH_LATENCY_SECONDS),--seconds $(BENCH_LATENCY_SECONDS))

bench-soak: deps $(BENCH_DIR)/sbload $(BENCH_DIR)/gen_signers $(BIN) pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench-soak: SAN=1 build; the figures below are not meaningful")
	@$(PYTHON) tests/bench/soak.py soak --bin $(BIN) --pki $(PKI_DIR) --policies policies \
	    --bench-bin $(BENCH_DIR) --out $(BENCH_DIR) $(if $(BENCH_SOAK_SECONDS),--seconds $(BENCH_SOAK_SECONDS)) \
	    $(if $(BENCH_SOAK_SIGNERS),--signers $(BENCH_SOAK_SIGNERS))

# bench-hostile (tests/bench/hostile.py, ~2 min, timing and memory only, never asserted): the stock
#   conf/sigbridge.yaml with max_connections 25000 (RLIMIT_NOFILE raised, hard limit too: run as root or with
#   a hard limit >= 65536); BENCH_HOSTILE_CONNS (default 20000) connections held half idle, half dripping a
#   header byte every 3 s (reopened when the daemon closes them), admin /healthz and keep-alive /v1/verify
#   p50/p95 over 200 requests each (goals p95 < 50 ms / 100 ms); then 60 connections each sending 9 MiB of a
#   declared 10 MiB body and holding: the daemon's RSS growth (goal < pending_body_bytes + 64 MiB).
.PHONY: bench-hostile
bench-hostile: deps $(BIN) pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench-hostile: SAN=1 build; the figures below are not meaningful")
	@$(PYTHON) tests/bench/hostile.py --bin $(BIN) --pki $(PKI_DIR) --policies policies --conf conf/sigbridge.yaml \
	    --out $(BENCH_DIR) $(if $(BENCH_HOSTILE_CONNS),--conns $(BENCH_HOSTILE_CONNS))

$(BENCH_DIR)/sbload: tests/bench/sbload.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<

$(BENCH_DIR)/gen_signers: tests/bench/gen_signers.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)

$(BENCH_DIR)/gen_distinct: tests/bench/gen_distinct.c $(LIBPKI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIBPKI) $(LDLIBS_ALL)

# ---- fuzzing (tests/fuzz/README.md) ----
# make fuzz | make fuzz-long SECONDS=N [FUZZ_TARGETS="cms der"] | make fuzz-replay (part of make test)
FUZZ_TARGETS   ?= der cert path cms policy policy_set xmldsig trustlist envelope http http_parse ocsp fetch
FUZZ_CC        ?= clang
SECONDS        ?= 60
FUZZ_MAX_LEN   ?= 65536
FUZZ_REPLAY_MS ?= 2000
FUZZ_CLANG     := build/fuzz/clang
FUZZ_SEEDS     := $(BUILD)/fuzz/seeds
FUZZ_SANFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
FUZZ_CFLAGS     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -I. \
                  $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ   := $(PKI_SRC:%.c=$(FUZZ_CLANG)/obj/%.o) $(ADAPTER_SRC:%.c=$(FUZZ_CLANG)/obj/%.o)
FUZZ_GW_OBJ    := $(GW_SRC:%.c=$(FUZZ_CLANG)/obj/%.o)
FUZZ_BINS       = $(FUZZ_TARGETS:%=$(FUZZ_CLANG)/fuzz_%)
REPLAY_BINS     = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_ENV        = SB_FUZZ_PKI=build/pki SB_FUZZ_POLICIES=policies ASAN_OPTIONS=detect_leaks=1 \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
.PHONY: fuzz fuzz-long fuzz-replay fuzz-seeds
fuzz: $(FUZZ_BINS)
$(FUZZ_CLANG)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC(fuzz) $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_CLANG)/libsbfuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_CLANG)/libsbgwfuzz.a: $(FUZZ_GW_OBJ)
	rm -f $@ && ar rcs $@ $^
# fuzz_http runs the daemon in-process: it (and its replay binary) also links the gateway library.
FUZZ_GW_http   := $(FUZZ_CLANG)/libsbgwfuzz.a
REPLAY_GW_http := $(LIBGW)
$(FUZZ_CLANG)/fuzz_http: $(FUZZ_CLANG)/libsbgwfuzz.a
$(BUILD)/fuzz/replay_http: $(LIBGW)
# fuzz_http_parse: the request framing of gateway/daemon/http_parse.h alone (no daemon).
FUZZ_GW_http_parse   := $(FUZZ_CLANG)/libsbgwfuzz.a
REPLAY_GW_http_parse := $(LIBGW)
$(FUZZ_CLANG)/fuzz_http_parse: $(FUZZ_CLANG)/libsbgwfuzz.a
$(BUILD)/fuzz/replay_http_parse: $(LIBGW)
# fuzz_fetch: the daemon's fetcher (gateway/daemon/fetch.h) against a loopback listener of the harness.
FUZZ_GW_fetch   := $(FUZZ_CLANG)/libsbgwfuzz.a
REPLAY_GW_fetch := $(LIBGW)
$(FUZZ_CLANG)/fuzz_fetch: $(FUZZ_CLANG)/libsbgwfuzz.a
$(BUILD)/fuzz/replay_fetch: $(LIBGW)
$(FUZZ_CLANG)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/fuzz/fuzz_chain.h $(FUZZ_CLANG)/libsbfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror $(FUZZ_SANFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_GW_$*) $(FUZZ_CLANG)/libsbfuzz.a $(LDLIBS_ALL)
fuzz-seeds: $(FUZZ_SEEDS)/.complete
$(FUZZ_SEEDS)/.complete: tests/fuzz/make-seeds.sh $(BIN) pki-fixtures
	@sh tests/fuzz/make-seeds.sh $(PKI_DIR) $(BIN) $(FUZZ_SEEDS)
fuzz-long: $(FUZZ_BINS) $(FUZZ_SEEDS)/.complete
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t; \
	  d=tests/fuzz/asn1.dict; case $$t in policy*) d=tests/fuzz/yaml.dict;; xmldsig|trustlist) d=tests/fuzz/xml.dict;; \
	    envelope) d=tests/fuzz/json.dict;; http|http_parse|fetch) d=tests/fuzz/http.dict;; esac; \
	  echo "== fuzz_$$t: $(SECONDS) s"; \
	  log=build/fuzz/fuzz_$$t.$$(date +%Y%m%d-%H%M%S).log; tm=""; [ -x /usr/bin/time ] && tm="/usr/bin/time -f cpu_seconds=%U+%S -a -o $$log"; \
	  $(FUZZ_ENV) $$tm $(FUZZ_CLANG)/fuzz_$$t build/fuzz/corpus/$$t $(FUZZ_SEEDS)/$$t $$(ls -d tests/fuzz/regressions/$$t 2>/dev/null) \
	    -dict=$$d -max_total_time=$(SECONDS) -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
	    -max_len=$(FUZZ_MAX_LEN) -artifact_prefix=build/fuzz/artifacts/$$t/ -print_final_stats=1 \
	    >>$$log 2>&1; rc=$$?; \
	  grep -E '^#[0-9]+.DONE|stat::number_of_executed_units|cpu_seconds|ERROR|SUMMARY' $$log | tail -5; \
	  [ $$rc -eq 0 ] || { echo "fuzz_$$t: FAILED, see $$log and build/fuzz/artifacts/$$t/"; fail=1; }; \
	done; exit $$fail
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIBAD) $(LIBPKI)
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< tests/fuzz/replay_main.c $(REPLAY_GW_$*) $(LIBAD) $(LIBPKI) $(LDLIBS_ALL)
fuzz-replay: $(REPLAY_BINS) $(FUZZ_SEEDS)/.complete
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  SB_FUZZ_PKI=$(PKI_DIR) SB_FUZZ_POLICIES=policies $(BUILD)/fuzz/replay_$$t -t $(FUZZ_REPLAY_MS) \
	    $(FUZZ_SEEDS)/$$t $$(ls -d tests/fuzz/regressions/$$t 2>/dev/null) || fail=1; \
	done; exit $$fail

# Demo: real signed objects from all three jurisdictions through sigbridge (see tests/demo.sh).
demo: all pki-fixtures
	@sh tests/demo.sh $(BIN) $(PKI_DIR)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
