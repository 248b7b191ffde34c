# The two commands of the README, and a few more for development.
#   make run     install what is missing, build, create var/bireg.db with the
#                demo region (created or refreshed; its logins are printed), serve http://localhost:8080
#   make check   build with warnings as errors and run every test, on SQLite
#                and on PostgreSQL (a throwaway cluster the run starts and removes;
#                BACKEND=sqlite or BACKEND=postgres for one of them)
# See docs/DEVELOPMENT.md for the rest.

BUILD ?= build
ASAN_BUILD ?= build-asan
BIREG = $(BUILD)/bireg
DB ?= var/bireg.db
BACKEND ?= both

.PHONY: run check check-asan build deps deps-check clean bench fuzz

deps:
	@tools/install-deps run

deps-check:
	@tools/install-deps check

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: deps build
	@mkdir -p var
	@# The demo region is created, or refreshed, and its logins printed.
	@BIREG_DATABASE=$(DB) $(BIREG) demo
	BIREG_DATABASE=$(DB) BIREG_LOCALE_DIR=$(BUILD)/po $(BIREG) serve --listen 127.0.0.1:8080

check: deps-check build
	@tests/run-all --build $(BUILD) --backend $(BACKEND)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false

# Unit and HTTP tests, on both backends, on a build with AddressSanitizer,
# LeakSanitizer and UBSan (CI runs this before `make check`).
check-asan: deps-check $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 tests/run-all --build $(ASAN_BUILD) --backend $(BACKEND) --no-e2e

# A short run of every libFuzzer target (FUZZ_SECONDS each, default 20).
fuzz: deps-check
	tests/fuzz/run

bench: deps
	meson setup build-release --buildtype=release 2>/dev/null || true
	ninja -C build-release
	bench/run-http build-release/bireg

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-release
