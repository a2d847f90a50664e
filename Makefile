# Vigil: `make demo` runs it with demo cameras, `make test` runs every test.
# Both install whatever is missing first (Debian 12, root or sudo).

BUILD      ?= build
ASAN_BUILD ?= build-asan
LISTEN     ?= 127.0.0.1:8080
DEMO       ?= 16
STATE_DIR  ?= vigil-data

.PHONY: all deps deps-build build asan demo test test-unit test-asan test-node test-valgrind fuzz clean

all: build

deps:
	./scripts/install-deps

deps-build:
	./scripts/install-deps --no-test-tools

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

demo: deps-build build
	./scripts/demo $(BUILD)/vigil $(LISTEN) $(STATE_DIR) $(DEMO)

# Unit tests and fuzz-corpus replays (normal and sanitized builds), then the
# integration and browser tests against both daemons, then a valgrind run.
test: deps
	$(MAKE) $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	meson configure $(BUILD) -Dtests=enabled
	meson configure $(ASAN_BUILD) -Dtests=enabled
	$(MAKE) build asan
	$(MAKE) test-unit test-node test-asan test-valgrind

test-unit: build
	meson test -C $(BUILD) --print-errorlogs

test-asan: asan
	meson test -C $(ASAN_BUILD) --print-errorlogs
	cd tests && VIGIL_BIN=$(CURDIR)/$(ASAN_BUILD)/vigil VIGIL_SANITIZED=1 \
	  node --test integration/

test-node: build
	cd tests && VIGIL_BIN=$(CURDIR)/$(BUILD)/vigil node --test integration/ browser/

test-valgrind: build
	./scripts/valgrind-check $(BUILD)/vigil

fuzz:
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dc_args=-fsanitize=fuzzer-no-link
	ninja -C build-fuzz

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
