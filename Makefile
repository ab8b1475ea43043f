# Groupdesk: the two commands a newcomer needs are `make run` and `make test`.
GO ?= go

.PHONY: run test check check-docker generate assets assets-check build fuzz

## run: start the dashboard on the embedded Agora sandbox with demo data
run:
	$(GO) run . serve

## build: build the groupdesk binary
build:
	$(GO) build -o groupdesk .

## test: every check and test (what CI runs)
test: check check-docker
	$(GO) test -race -count=1 -timeout 12m ./...

## check: formatting, vet, committed generated files, embedded assets
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) tool templ generate >/dev/null
	@if [ -n "$$CI" ] && ! git diff --quiet -- views; then echo "views/*_templ.go are stale: run 'make generate' and commit"; git --no-pager diff --stat -- views; exit 1; fi
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

## fuzz: run each fuzz target for a short while
fuzz:
	$(GO) test ./agora/ -run '^$$' -fuzz FuzzParseToken -fuzztime 30s
