# Groupdesk: the two commands a newcomer needs are `make run` and `make test`.
GO ?= go

.PHONY: run test test-postgres check check-docker generate assets assets-check build fuzz bench bench-memlimit

## run: start the dashboard on the embedded Agora sandbox with demo data
run:
	$(GO) run . serve

## build: build the groupdesk binary as the Dockerfile does (static, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o groupdesk .

## test: every check and test (what CI runs); ends with one line naming what this machine could not
## run (no Chromium, no npm packages, no CJK font, no PostgreSQL) and how to get it
test: check check-docker
	@$(GO) test -race -count=1 -timeout 12m ./...; status=$$?; bash .ci/prereqs; exit $$status

## test-postgres: the Go tests of . and web/ with a throwaway PostgreSQL server (.ci/postgres), so the
## store tests run on PostgreSQL as well as on SQLite; the server is removed afterwards
test-postgres:
	@url="$$(bash .ci/postgres start)" && trap 'bash .ci/postgres stop || true' EXIT && \
	GROUPDESK_TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 12m . ./web/ ./web/store/

## check: formatting, vet, committed generated files, embedded assets
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) tool templ generate -log-level error >/dev/null
	@if [ -n "$$CI" ] && ! git diff --quiet -- '*_templ.go'; then echo "generated *_templ.go files are stale: run 'make generate' and commit"; git --no-pager diff --stat -- '*_templ.go'; exit 1; fi
	@$(MAKE) --no-print-directory assets-check

## check-docker: lint the Dockerfile and run its build stages without Docker (needs npm ci)
check-docker:
	@bash .ci/dockerfile-check

## generate: regenerate the templ views
generate:
	$(GO) generate ./...

## assets: refresh static/js/htmx.min.js from the pinned npm package
assets:
	npm ci --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js static/js/htmx.min.js

## assets-check: the embedded htmx is the pinned npm package's file (needs npm ci)
assets-check:
	@if [ -f node_modules/htmx.org/dist/htmx.min.js ]; then \
		cmp -s node_modules/htmx.org/dist/htmx.min.js static/js/htmx.min.js || { echo "static/js/htmx.min.js differs from the pinned htmx.org package: run 'make assets'"; exit 1; }; \
	else echo "assets-check: node_modules missing (run 'npm ci'); skipping htmx comparison"; [ -z "$$CI" ] || exit 1; fi

## bench: the performance harness (web/perf) against its budget: one table, results as JSON in
## bench-results/; then the hot-path micro-benchmarks into bench-results/micro.txt (compare two
## runs with benchstat); then the search index at 100,000 groups on SQLite and PostgreSQL (needs
## GROUPDESK_TEST_DATABASE_URL) into bench-results/search.txt. 5-6 minutes. make test runs the
## harness's short smoke version.
bench:
	GROUPDESK_BENCH=full $(GO) test ./web/perf/ -run TestBenchHarness -count=1 -timeout 10m -v
	GROUPDESK_BENCH=full $(GO) test ./web/perf/ -run TestBulkJobBench -count=1 -timeout 10m -v
	@$(GO) test ./agora/ ./views/ ./web/perf/ -run '^$$' -bench . -benchmem -count 1 -timeout 5m > bench-results/micro.txt; \
	status=$$?; cat bench-results/micro.txt; exit $$status
	@{ $(GO) test ./web/search/ -run '^$$' -bench Search100k -benchtime 200x -count 1 -timeout 15m && \
	   $(GO) test ./web/search/ -run '^$$' -bench Sync100k -benchtime 1x -count 1 -timeout 15m; } > bench-results/search.txt; \
	status=$$?; cat bench-results/search.txt; exit $$status

## fuzz: run each fuzz target for a short while
fuzz:
	$(GO) test ./agora/ -run '^$$' -fuzz FuzzParseToken -fuzztime 30s
	$(GO) test ./web/ -run '^$$' -fuzz '^FuzzGroupForm$$' -fuzztime 30s
	$(GO) test ./web/ -run '^$$' -fuzz '^FuzzCSVDownload$$' -fuzztime 30s

## bench-memlimit: peak RSS and throughput under 100 requests in flight for several runtime settings
## (default: soft memory limits of 17, 16 and 15.5 MiB), interleaved, a fresh process each; set
## GROUPDESK_BENCH_SETTINGS="GOMEMLIMIT=16MiB|GOMEMLIMIT=16MiB GOGC=50" to compare others. 2-3 minutes.
bench-memlimit:
	GROUPDESK_BENCH=memlimit $(GO) test ./web/perf/ -run TestMemoryLimitAB -count=1 -timeout 15m -v
