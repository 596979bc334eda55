# gatewaylab: the two commands a newcomer needs are `make test` and `make bench`.
GO      ?= go
BIN     := bin/gwlab
RUN     ?= latest
FUZZTIME ?= 5s

.PHONY: build test bench bench-quick plots report compare lint fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/gwlab

# The race detector needs cgo and a C compiler; where there is none, the
# tests run without it and say so. CI insists on it (RACE=-race).
RACE ?= $(shell command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

# The test command of the README and of CI: every package, race detector on.
test:
	@[ -n "$(RACE)" ] || echo "make test: no C compiler ($$($(GO) env CC)) found: running without the race detector"
	$(GO) test $(RACE) -count=1 ./...

# The default scenario set on every model (about 15 minutes on 2 cores).
bench: build
	$(BIN) bench

# A smoke run of the whole set with shortened steps (under a minute).
bench-quick: build
	$(BIN) bench --quick

# Recompute summaries, report and plots of a run from raw data: make plots RUN=<id>.
plots report: build
	$(BIN) report $(RUN)

# Compare two runs: make compare A=<id> B=<id>.
compare: build
	$(BIN) compare $(A) $(B)

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The reactor's hand-written HTTP parser, each fuzz target for a few seconds.
fuzz:
	for f in FuzzParseRequest FuzzParseResponse FuzzChunked; do \
		$(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) ./models/reactor/httpparse || exit 1; \
	done

clean:
	rm -rf bin
