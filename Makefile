# A thin wrapper over meson: `make run` and `make test` are the two commands README.md
# gives a new user. Both install what is missing (tools/install-deps), set up and build.
BUILD ?= build
MESON_SETUP_ARGS ?=

# make fuzz: the fuzz targets (fuzz/README.md), SECONDS each, in their own clang build.
FUZZ_BUILD ?= build-fuzz
SECONDS ?= 60

.PHONY: all deps setup build run test bench fuzz clean

all: build

deps:
	@tools/install-deps

$(BUILD)/build.ninja:
	@$(MAKE) --no-print-directory deps
	meson setup $(BUILD) $(MESON_SETUP_ARGS)

setup: $(BUILD)/build.ninja

build: setup
	meson compile -C $(BUILD)

# Starts the app when it was built, else a short headless training demo.
run: deps build
	@if [ -x $(BUILD)/src/ui/lrlab ]; then \
	  GSETTINGS_SCHEMA_DIR=$(BUILD)/data exec $(BUILD)/src/ui/lrlab; \
	else \
	  exec $(BUILD)/src/cli/lrlab-train --model tiny --epochs 3; \
	fi

# The whole suite; under xvfb-run when there is no display (CI, ssh).
test: deps build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  meson test -C $(BUILD) --print-errorlogs --num-processes 1; \
	else \
	  xvfb-run -a -s "-screen 0 1600x1000x24" meson test -C $(BUILD) --print-errorlogs --num-processes 1; \
	fi

# Benchmarks print their own tables; the chart's frame-rate ones need a display (Xvfb).
bench: deps build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  meson test -C $(BUILD) --benchmark --verbose; \
	else \
	  xvfb-run -a -s "-screen 0 1600x1000x24" meson test -C $(BUILD) --benchmark --verbose; \
	fi

# libFuzzer is clang's: a build folder of its own, with the sanitizers it runs under.
fuzz:
	@tools/install-deps fuzz
	@if [ ! -f $(FUZZ_BUILD)/build.ninja ]; then \
	  CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=enabled -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dapp=disabled; \
	fi
	meson compile -C $(FUZZ_BUILD)
	FUZZ_SECONDS=$(SECONDS) meson test -C $(FUZZ_BUILD) --suite fuzz --print-errorlogs

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
