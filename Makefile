# keyrack's one task runner. `make test` is exactly what CI runs (.ci/run).
SHELL := /bin/bash
# A build cache outside the clone, reused when present, never required.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/keyrack-target
CARGO ?= cargo

.PHONY: help demo test bless lint fmt clippy doc rust-test c-test python-test node-test crash-test fuzz bench-build bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

demo: ## Issue a key on ./keyrack.redb, verify it, revoke it, verify again
	bash crates/keyrack-cli/demo.sh

test: lint rust-test c-test python-test node-test crash-test fuzz bench-build ## Every check and test of every language (what CI runs)
	@echo "make test: all suites passed"

bless: ## Regenerate every checked-in generated file: vectors, C header and vectors, Node index.js/index.d.ts
	KEYRACK_BLESS=1 $(CARGO) test -q -p keyrack --test vectors
	bash bindings/c/bless.sh
	bash bindings/node/bless.sh

lint: fmt clippy doc ## fmt --check, clippy -D warnings, docs -D warnings

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p keyrack -p keyrack-cli

rust-test: ## Rust unit, integration, property and doc tests
	$(CARGO) test

c-test: ## C binding: header freshness, C tests under valgrind and ASan/UBSan
	bash bindings/c/test.sh

python-test: ## Python binding: build with maturin, pytest, stubtest, mypy
	bash bindings/python/test.sh

node-test: ## Node binding: napi build, node:test, tsc --strict, d.ts freshness
	bash bindings/node/test.sh

crash-test: ## SIGKILL crash cycles (CRASH_CYCLES=N for a longer run)
	bash tests/crash/run.sh

fuzz: ## Each cargo-fuzz target for FUZZ_SECONDS (default 10 here) on the stable toolchain
	FUZZ_SECONDS=$${FUZZ_SECONDS:-10} bash fuzz/run.sh

bench-build: ## Compile the benches without timing them
	$(CARGO) bench -p keyrack-benches --no-run

bench: ## Run every benchmark and print the comparison tables
	bash benches/run.sh
