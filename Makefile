# chatfleet: `make up` runs the fleet locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help install install-test build lint test test-unit test-int up screenshot clean

help:
	@echo "make up      install what is missing, build, run the whole fleet (Ctrl-C stops it)"
	@echo "make test    install what is missing, build, lint, run every test"
	@echo "make screenshot   refresh docs/img/ with Chromium driving a real local fleet"
	@echo "make build | lint | test-unit | test-int | clean"

install:
	@scripts/install-deps.sh

install-test:
	@scripts/install-deps.sh --test

build: install
	npm run build

lint: install
	npm run lint

test: install-test build lint
	node scripts/run-tests.mjs

test-unit: build
	node scripts/run-tests.mjs --unit

test-int: install-test build
	node scripts/run-tests.mjs --int

up: build
	node scripts/up.mjs

screenshot: install-test build
	node scripts/screenshot.mjs

clean:
	npm run clean
	rm -rf .tmp test-results
