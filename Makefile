# Pama's front door. `make run` serves on http://localhost:8080 with an
# embedded SQLite data dir; `make test` runs the tests.
GO       ?= go
PKGS     ?= ./...
DATA     ?= ./pama-data
ADDR     ?= :8080
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/pamateam/pama/internal/cli.Version=$(VERSION)
export CGO_ENABLED ?= 0

.PHONY: run build test test-integration lint bench bench-realtime fuzz clean web web-check web-test api-types e2e screenshots

run: ## Serve on $(ADDR) with data in $(DATA)
	$(GO) run ./cmd/pama serve --addr $(ADDR) --data $(DATA)

build: ## Build bin/pama
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/pama ./cmd/pama

test: ## Unit and component tests (SQLite; PostgreSQL too when PAMA_TEST_POSTGRES_URL is set)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

test-integration: ## The whole suite against real PostgreSQL (and Redis, S3): missing services fail
	@test -n "$$PAMA_TEST_POSTGRES_URL" || { echo "PAMA_TEST_POSTGRES_URL is not set (see docs/development.md)"; exit 1; }
	PAMA_TEST_REQUIRE_SERVICES=1 $(GO) test -count=1 -p 1 $(PKGS)

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

bench: ## Go benchmarks (figures go to docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

SCENARIO   ?= refinement
TEAMS      ?= 10
MEMBERS    ?= 8
DURATION   ?= 20s
PROTOCOL   ?= protobuf
BENCH_ADDR ?= 127.0.0.1:18181

bench-realtime: ## Real-time load: a fresh server on a temp data dir, cmd/pama-load against it; the last line is its JSON
	@$(GO) build -trimpath -o bin/pama ./cmd/pama
	@$(GO) build -trimpath -o bin/pama-load ./cmd/pama-load
	@set -e; data=$$(mktemp -d); \
	PAMA_RATE_IP=100000 PAMA_RATE_ACCOUNT=100000 PAMA_RATE_TEAM=100000 PAMA_LOG_LEVEL=warn \
	  bin/pama serve --addr $(BENCH_ADDR) --data $$data >$$data/server.log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf $$data' EXIT; \
	for i in $$(seq 100); do curl -sf http://$(BENCH_ADDR)/healthz >/dev/null && break; sleep 0.1; done; \
	bin/pama-load -url http://$(BENCH_ADDR) -outbox $$data/outbox -pid $$pid \
	  -scenario $(SCENARIO) -teams $(TEAMS) -members $(MEMBERS) -duration $(DURATION) -protocol $(PROTOCOL) >$$data/result.json; \
	cat $$data/result.json

web: ## Build the web app into web/dist (committed; embedded into the binary)
	cd web && npm ci --no-audit --no-fund && npm run build

web-check: web ## Fail when the committed web/dist is not what the sources build
	@if [ -n "$$(git status --porcelain -- web/dist)" ]; then \
		echo "web/dist is stale: run make web and commit it"; git status --short -- web/dist; exit 1; fi

web-test: ## Type-check the web app and run its unit tests
	cd web && npm run check && npm test

api-types: ## Regenerate the web app's API types from the OpenAPI document
	$(GO) run ./cmd/pama openapi > web/src/api/openapi.json
	cd web && npm run api-types

e2e: build ## Browser tests: Playwright with Debian's Chromium against a real pama serve
	web/e2e/serve.sh bin/pama npm --prefix web run e2e

screenshots: build ## Screenshots of the main screens (desktop and phone, on the demo data) into docs/screenshots
	PAMA_E2E_SEED=demo web/e2e/serve.sh bin/pama npm --prefix web run screenshots

clean:
	rm -rf bin
