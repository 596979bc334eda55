# gatewaylab: the two commands a newcomer needs are `make test` and `make bench`.
GO      ?= go
BIN     := bin/gwlab
RUN     ?= latest
FUZZTIME ?= 5s

.PHONY: build test bench bench-quick plots report compare lint fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/gwlab

# The test command of the README and of CI: every package, race detector on.
test:
	$(GO) test -race -count=1 ./...

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
