# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: deps build demo test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product tbd

demo: build
	@scripts/demo.sh

test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

bench: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release
	@scripts/bench.sh

clean:
	rm -rf .build
