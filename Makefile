# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: deps build demo test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product tbd

demo: build
	@scripts/python-env.sh
	@scripts/demo.sh

test: deps
	@scripts/python-env.sh
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	@mkdir -p .build
	@scripts/postgres-test-cluster.sh start
	@# The store's tests run on SQLite and on this throwaway PostgreSQL cluster; it stops however the tests end.
	@# The summary runs whatever the tests' status, so a crashed run ends with the test that crashed and its stack.
	set -o pipefail; trap 'scripts/postgres-test-cluster.sh stop' EXIT; set -a; . .build/postgres-test-cluster.env; set +a; \
		status=0; $(SWIFT) test $(SWIFT_FLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build/test-output.log || status=$$?; \
		scripts/test-summary.sh .build/test-output.log && exit $$status

bench: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release
	@scripts/bench.sh

clean:
	rm -rf .build
