# The two commands a newcomer needs: `make run` serves on 127.0.0.1:6379,
# `make test` runs everything CI runs.
GO ?= go

.PHONY: run test bench fuzz soak generate docs

run:
	$(GO) run ./cmd/cachee serve

test:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) test -race -count=1 ./...
	# The lock-free GET is off under the race detector: run the engine's
	# tests (differential ones included) and the API's again without it.
	$(GO) test -count=1 ./engine .
	# 32-bit platforms: everything builds, and the lock-free GET's 64-bit
	# atomics are aligned there (a misaligned one panics on 386 and ARM).
	GOARCH=386 $(GO) vet ./...
	GOARCH=386 $(GO) test -count=1 -run 'Optimistic|Expir|TTL|GetResult' ./engine

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Ten minutes of mixed load with random client kills; prints the report
# docs/reliability.md records (go run ./benchmarks/soak/cmd -h for options).
soak:
	$(GO) run ./benchmarks/soak/cmd -duration 10m

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./protocol/

# Regenerate the command specification from a local redis-server 7.0.
generate:
	$(GO) generate ./engine/internal/cmdspec

# Regenerate docs/commands.md from the command table and docs notes (a test
# fails while it is stale).
docs:
	$(GO) generate ./engine/internal/cmddoc
