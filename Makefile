# Thin wrapper over CMake presets. The two commands a new user runs:
#   make demo   - install what is missing, build Release, scan the bundled demo tree and apps
#   make test   - install what is missing, build, run every test and a short fuzz smoke run
#   make test-asan - the C++ tests again under AddressSanitizer + UBSan (a separate CI job)
#   make install   - build the Release binary and install it under PREFIX (default /usr/local;
#                    DESTDIR works)
#   make package   - build the Release binary and the Debian package build/keysweep_VERSION_ARCH.deb
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
KEYSWEEP_RELEASE := build/release/src/cli/keysweep
FUZZ_SECONDS ?= 10

.PHONY: deps build build-package install package demo test test-unit test-asan fuzz fuzz-smoke bench clean

deps:
	@bash scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# The binary alone (preset `package`: Release, no tests or benchmarks), with only the build
# dependencies: what a user or a CI job installing keysweep needs.
build-package:
	@KEYSWEEP_DEPS=build bash scripts/install-deps
	@cmake --preset package >/dev/null
	@cmake --build --preset package -j $(JOBS)

install: build-package
	@cmake --install build/package --prefix $(PREFIX) --strip

# build/keysweep_VERSION_ARCH.deb; Depends computed by dpkg-shlibdeps (cmake/packaging.cmake).
# Install it with `apt-get install ./build/keysweep_*.deb`.
package: build-package
	@cd build/package && cpack -G DEB

demo: build
	@bash scripts/demo $(KEYSWEEP_RELEASE)

# What CI runs (.ci/run). Each step prints its own summary. The sanitizer build doubles the build
# time on a 2-core machine, so it is its own target (`make test-asan`) rather than part of this.
test: deps test-unit fuzz-smoke

test-unit:
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@ctest --test-dir build/dev --output-on-failure -j $(JOBS)

# AddressSanitizer + UBSan over the C++ tests (the Python end-to-end tests run in test-unit).
test-asan:
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --test-dir build/asan --output-on-failure -j $(JOBS) -E '^(e2e_|accuracy)'

fuzz-smoke:
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target keysweep_fuzzers
	@bash scripts/run-fuzzers build/fuzz $(FUZZ_SECONDS)

# Every target for 10 minutes (FUZZ_SECONDS), JOBS at a time; executions per target are written
# to bench/results/DATE-fuzz.txt.
fuzz:
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target keysweep_fuzzers
	@bash scripts/run-fuzzers build/fuzz $${FUZZ_SECONDS:-600} $(JOBS) bench/results/$$(date -u +%F)-fuzz.txt

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash bench/run-all.sh

clean:
	rm -rf build
