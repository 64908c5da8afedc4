# garant - developer entry points. See README.md.
#
#   make check   build everything, run every test (plain and under ASan+UBSan),
#                run the fuzzers briefly, and lint
#   make demo    build, seed a demo database and run the ticket service on it
#   make bench   run the benchmarks and print their figures
#   make screenshots  run the browser tests, writing the README's screenshots
#                into docs/screenshots/ (no other target writes there)
#   make lint    cppcheck plus the banned-function check
#   make torture kill -9 x 100, injected I/O faults, 10 minutes a fuzzer and
#                slow-client attacks (issue 13); long, not part of check

JOBS ?= 2
FUZZ_SECONDS ?= 20
# One libFuzzer target per fuzz/fuzz_*.c; scripts/fuzz.sh expects them all.
FUZZERS := $(notdir $(basename $(wildcard fuzz/fuzz_*.c)))
CMAKE_FLAGS ?=

.PHONY: all deps build check test test-asan fuzz lint demo bench torture screenshots clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j$(JOBS)

test: build
	ctest --test-dir build --output-on-failure -j$(JOBS)

test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGARANT_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j$(JOBS)

fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGARANT_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $(FUZZERS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build-fuzz

lint: deps
	scripts/lint.sh

# Under make check (and so .ci/run) a skipped test fails: scripts/deps.sh has
# installed whatever a test could skip for (t_skip in tests/support.h).
check: export GARANT_NO_SKIP = 1
check: test test-asan fuzz lint
	@echo "make check: all passed"

# The demo runs the garant binary alone: build that, not every test and
# benchmark (they were most of the time a first `make demo` took).
demo: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j$(JOBS) --target garant
	scripts/demo.sh build/garant

bench: build
	build/bench_deadline
	scripts/bench_batch.sh build/garant
	python3 bench/accounts.py build/garant
	python3 bench/attachments.py build/garant
	bench/load.sh build/garant
	python3 bench/correct.py build/garant
	python3 bench/lmtp.py build/garant
	python3 bench/search.py build/garant
	python3 bench/mail_notify.py build/garant
	python3 bench/mail_drain.py build/garant

torture: build
	scripts/torture.sh build

screenshots: build
	GARANT_SCREENSHOTS=docs/screenshots node tests/web/run.mjs build/garant

clean:
	rm -rf build build-asan build-fuzz
