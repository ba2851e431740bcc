# sigbridge — one non-recursive Makefile. Outputs go to build/ (build/san/ with SAN=1).
PKG_CONFIG ?= pkg-config
CC ?= cc
PYTHON ?= python3

PKGS      := openssl libxml-2.0 libevent libevent_pthreads libevent_openssl yaml-0.1 jansson
TEST_PKGS := cmocka
DEB_PKGS  := build-essential pkg-config libssl-dev libxml2-dev libevent-dev libyaml-dev \
             libjansson-dev libcmocka-dev openssl xmlsec1 curl python3

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
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

PKI_SRC     := $(wildcard pki/*.c)
ADAPTER_SRC := $(wildcard adapters/*.c)
GW_SRC      := $(wildcard gateway/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

PKI_OBJ     := $(PKI_SRC:%.c=$(BUILD)/obj/%.o)
ADAPTER_OBJ := $(ADAPTER_SRC:%.c=$(BUILD)/obj/%.o)
GW_OBJ      := $(GW_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBPKI := $(BUILD)/libsbpki.a
LIBAD  := $(BUILD)/libsbadapters.a
LIBGW  := $(BUILD)/libsbgw.a
GW_LIB_OBJ := $(filter-out $(BUILD)/obj/gateway/main.o,$(GW_OBJ))
BIN    := $(BUILD)/sigbridge

.PHONY: all deps test unit integration conformance clean pki-fixtures demo
all: deps $(BIN)

# Installs missing Debian packages when run as root; otherwise prints the exact command.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "deps: missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBPKI): $(PKI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBAD): $(ADAPTER_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBGW): $(GW_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/gateway/main.o $(LIBGW) $(LIBAD) $(LIBPKI)
	@echo "  LD  $@"
	@$(CC) $(SANFLAGS) -o $@ $(BUILD)/obj/gateway/main.o $(LIBGW) $(LIBAD) $(LIBPKI) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(LIBGW) $(LIBAD) $(LIBPKI)
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIBGW) $(LIBAD) $(LIBPKI) $(TEST_LIBS) $(LDLIBS_ALL)

# make test T=test_chain runs one unit test only.
test: all $(UNIT_BIN) pki-fixtures
	@$(MAKE) --no-print-directory unit integration conformance

pki-fixtures: $(BIN)
	@sh tests/pki/make-all.sh $(BUILD)/pki >/dev/null

unit: $(UNIT_BIN)
	@fail=0; for t in $(if $(T),$(BUILD)/tests/$(T),$(UNIT_BIN)); do \
	  echo "== $$t"; SB_BIN=$(BIN) SB_PKI=$(BUILD)/pki $$t || fail=1; done; exit $$fail

INTEGRATION := $(wildcard tests/integration/test_*.sh)

integration: $(BIN) pki-fixtures
	@fail=0; for t in $(INTEGRATION); do echo "== $$t"; \
	  SB_BIN=$(BIN) SB_PKI=$(BUILD)/pki sh $$t || fail=1; done; exit $$fail

conformance: $(BIN)
	@$(PYTHON) tests/conformance/run_limbo.py --bin $(BIN) --corpus ../shared/corpora/limbo.json \
	    --floor tests/conformance/floor.txt --skip tests/conformance/skip.txt

# Micro-benchmark, timing only (never part of `make test`): CMS verifications/s next to raw signature
# verifies/s for the same keys, one run (tests/bench/bench_crypto.c). BENCH_SECONDS=S sets the time per row.
BENCH_DIR := $(BUILD)/bench
BENCH_BIN := $(BENCH_DIR)/bench_crypto
.PHONY: bench-crypto
bench-crypto: $(BENCH_BIN) $(BIN) pki-fixtures
	$(if $(filter 1,$(SAN)),@echo "bench-crypto: SAN=1 build; the figures below are not meaningful")
	@printf 'sigbridge bench-crypto document\n' >$(BENCH_DIR)/doc.txt
	@$(BIN) sign --format cms --key $(BUILD)/pki/hk/leaf.key --cert $(BUILD)/pki/hk/leaf.pem \
	    --chain $(BUILD)/pki/hk/chain.pem $(BENCH_DIR)/doc.txt >$(BENCH_DIR)/hk-rsa.cms.der
	@$(BIN) sign --format gmt0010 --key $(BUILD)/pki/cn/leaf.key --cert $(BUILD)/pki/cn/leaf.pem \
	    --chain $(BUILD)/pki/cn/chain.pem $(BENCH_DIR)/doc.txt >$(BENCH_DIR)/cn-sm2.gmt0010.der
	@$(BENCH_BIN) $(if $(BENCH_SECONDS),--seconds $(BENCH_SECONDS)) $(BUILD)/pki \
	    $(BENCH_DIR)/hk-rsa.cms.der $(BENCH_DIR)/cn-sm2.gmt0010.der $(BENCH_DIR)/doc.txt

$(BENCH_BIN): tests/bench/bench_crypto.c $(LIBPKI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIBPKI) $(LDLIBS_ALL)

# Demo: real signed objects from all three jurisdictions through sigbridge (see tests/demo.sh).
demo: all pki-fixtures
	@sh tests/demo.sh $(BIN) $(BUILD)/pki

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
