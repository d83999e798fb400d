# chatfleet: `make up` runs the fleet locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help install install-test build lint deps test test-unit test-int up up-cluster observe k6 loadtest screenshot synth plan deploy destroy infra-validate deploy-rehearsal compose-up compose-down bench bench-smoke clean

help:
	@echo "make up      install what is missing, build, run the whole fleet (Ctrl-C stops it)"
	@echo "make up-cluster  the same on a local Redis Cluster (3 primaries, 3 replicas, ports 7001-7006)"
	@echo "make test    install what is missing, build, lint, run every test"
	@echo "make observe     Prometheus (with the alert rules) and Grafana if installed, against make up's fleet"
	@echo "make bench        chatfleet side by side with the floor, Socket.IO and Centrifugo: rate sweep, memory, plots (docs/benchmarks.md)"
	@echo "make bench-smoke  the same bench, small and under a minute (no docs written)"
	@echo "make k6           build the pinned k6 once into a cache (or install k6 your usual way)"
	@echo "make loadtest SCRIPT=ws-rooms|ws-strangers|soak|spike [WS_URL=...]   k6 against a fleet (docs/loadtest.md)"
	@echo "make screenshot   refresh docs/img/ with Chromium driving a real local fleet"
	@echo "make synth | plan | deploy | destroy   AWS (ENV=dev or ENV=prod): see docs/deploy.md"
	@echo "make infra-validate   validate and plan both stacks offline with Terraform/OpenTofu and a local AWS provider"
	@echo "make deploy-rehearsal apply, check and destroy both stacks against moto, a local AWS emulator"
	@echo "make compose-up | compose-down   the fleet with Prometheus and Grafana in Docker"
	@echo "make build | lint | deps | test-unit | test-int | clean"

install:
	@scripts/install-deps.sh

install-test:
	@scripts/install-deps.sh --test

build: install
	npm run build

lint: install
	npm run lint

# The arrows between packages point down, and no run-time import cycle (.dependency-cruiser.cjs).
deps: install
	npm run deps

test: install-test build lint deps
	node scripts/run-tests.mjs

test-unit: build
	node scripts/run-tests.mjs --unit

test-int: install-test build
	node scripts/run-tests.mjs --int

up: build
	node scripts/up.mjs

up-cluster: build
	REDIS_CLUSTER=1 node scripts/up.mjs

observe:
	@scripts/observe.sh

k6:
	@scripts/k6.sh

loadtest: build
	@scripts/loadtest.sh

bench: install build
	node loadtest/bench/run.mjs

bench-smoke: install build
	BENCH_SMOKE=1 node loadtest/bench/run.mjs

screenshot: install-test build
	node scripts/screenshot.mjs

synth: build
	scripts/infra.sh synth

plan: build
	scripts/infra.sh plan

deploy: build
	scripts/infra.sh deploy

destroy: build
	scripts/infra.sh destroy

infra-validate: build
	scripts/infra-validate.sh

deploy-rehearsal: build
	scripts/deploy-rehearsal.sh

compose-up:
	docker compose up --build -d
	@echo "nc localhost 8888 | http://localhost:8080 | Grafana http://localhost:3000 | Prometheus http://localhost:9090"

compose-down:
	docker compose down

clean:
	npm run clean
	rm -rf .tmp test-results
