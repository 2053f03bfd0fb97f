# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

# llama.cpp's native build crashes on these CPUs (AMX is advertised but broken): build portable
# AVX2 code with AMX off, AVX-512 only where the CPU has it. The wheel is cached per flag set.
LLAMA_VERSION := 0.3.36
AVX512 := $(if $(shell grep -m1 -o -w avx512f /proc/cpuinfo 2>/dev/null),ON,OFF)
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DGGML_AVX512=$(AVX512) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
WHEEL_CACHE ?= $(HOME)/.cache/welzijn-assistant/wheels/llama-$(LLAMA_VERSION)-avx512-$(AVX512)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test test-fast install index llama-wheel browser axe redis postgres clean

run: install index
	$(BIN)/welzijn serve

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(MAKE) --no-print-directory llama-wheel
	$(BIN)/pip install -q $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(BIN)/pip install -q -e ".[local,model,dev]"
	$(BIN)/welzijn setup
	touch $@

llama-wheel:
	@if ls $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "llama-cpp-python: cached wheel in $(WHEEL_CACHE)"; \
	else \
		echo "llama-cpp-python: compiling $(LLAMA_VERSION) once (4-6 min)…"; \
		mkdir -p $(WHEEL_CACHE) && \
		CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip wheel -q --no-deps --no-binary llama-cpp-python -w $(WHEEL_CACHE) \
			llama-cpp-python==$(LLAMA_VERSION); \
	fi

index: install
	$(BIN)/welzijn ingest

# Everything, real models and real browser included (CI runs this).
test: install browser axe redis postgres
	$(BIN)/pytest -q -m "slow or not slow"

# The quick loop while developing: no real models, no browser (a throwaway PostgreSQL starts in ~1.5 s).
test-fast: install postgres
	$(BIN)/pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests…"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The shared rate-limit and topology tests start throwaway Redis servers on loopback ports from Debian's package.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "Installing Debian's redis-server for the shared rate-limit tests…"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

# The database tests start throwaway PostgreSQL clusters (15 on bookworm) from Debian's package; none is left running.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "Installing Debian's postgresql for the database tests…"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

# axe-core (accessibility rules) for the browser tests, from the npm registry into a gitignored folder.
AXE_VERSION := 4.14.1
AXE_DIR := .tools
axe:
	@grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json || { \
		echo "Installing axe-core $(AXE_VERSION) for the accessibility tests…"; \
		command -v npm >/dev/null || { echo "npm is missing: apt-get install -y npm"; exit 1; }; \
		npm install -s --prefix $(AXE_DIR) --no-save --no-package-lock --no-audit --no-fund axe-core@$(AXE_VERSION); }

clean:
	rm -rf $(VENV) data $(AXE_DIR)
