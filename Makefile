# smsim — build, test, run, bench.
#
#   make            optimised build/smsim (OpenMP on)
#   make debug      build-debug/smsim with ASan + UBSan and SIM_DEBUG invariant checks (SIM_ASSERT)
#   make MPI=1      build with mpicc (distributed runs)
#   make run        install what is missing, build, run scenarios/default.cfg, write the report
#   make test       install what is missing, build, run every test (C, integration, fuzz corpus, Python)
#   make check      the C and integration tests and the fuzz corpus under ASan + UBSan (build-debug),
#                   the threaded engine and DCC tests under ThreadSanitizer (build-tsan, clang)
#   make fuzz       libFuzzer on scenario loading (clang), FUZZ_SECONDS long (default 60)
#   make bench      benchmarks; table in results/bench.txt
#   make install    build/smsim and its manual page under $(DESTDIR)$(PREFIX) (default /usr/local)
#   make clean
#
# `make run` and `make test` install missing Debian packages themselves
# (apt-get as root; otherwise they print the exact command to run).

SHELL      := /bin/bash
PYTHON     ?= /usr/bin/python3
MPI        ?= 0
DEBUG      ?= 0

ifeq ($(MPI),1)
  CC       := mpicc
  BUILD    ?= build-mpi
  MPIFLAGS := -DSMSIM_MPI=1
else
  CC       ?= cc
  ifeq ($(DEBUG),1)
    BUILD  ?= build-debug
  else
    BUILD  ?= build
  endif
endif
ifeq ($(origin CC),default)
  CC := cc
endif

PKGS       := gsl hdf5 libconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The HDF5 high-level library (dimension scales) sits beside libhdf5 but is not in its .pc file.
HDF5_LIBDIR := $(shell pkg-config --variable=libdir hdf5 2>/dev/null)
HL_LIBS    := $(if $(HDF5_LIBDIR),-L$(HDF5_LIBDIR)) -lhdf5_hl
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(CI),true)
  WARN     += -Werror
endif
ifeq ($(DEBUG),1)
  OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -DSIM_DEBUG=1
  LDOPT    := -fsanitize=address,undefined
else
  OPT      := -O3 -g -march=x86-64-v2 -DNDEBUG
  LDOPT    :=
endif
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# The kernel (sim/) is compiled with -Isim only, so a kernel file that
# includes a model header fails to build; models and the program see all.
MODEL_DIRS := models $(patsubst %/,%,$(sort $(dir $(wildcard models/*/*.h))))
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(OPT) -fopenmp -MMD -MP \
              $(PKG_CFLAGS) $(MPIFLAGS) -DSMSIM_VERSION='"$(VERSION)"'
KERNEL_CFLAGS := $(BASE_CFLAGS) -Isim $(CFLAGS)
CFLAGS     := $(BASE_CFLAGS) -Isim $(addprefix -I,$(MODEL_DIRS)) $(CFLAGS)
LDLIBS     += $(PKG_LIBS) $(HL_LIBS) -lm
LDFLAGS    += -fopenmp $(LDOPT)

SIM_SRC    := $(wildcard sim/*.c)
MDL_SRC    := $(wildcard models/*.c models/*/*.c)
SIM_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRC))
MDL_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(MDL_SRC))
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_SRC  := $(wildcard tests/bench/*.c)
BENCH_BIN  := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUZZ_RUN   := $(BUILD)/fuzz/fuzz_run

# The manual page is generated from --help by help2man (in DEB_PKGS); a plain
# `make` builds it when help2man is there, `make install` requires it.
HELP2MAN   := $(shell command -v help2man 2>/dev/null)
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
INSTALL    ?= install

.PHONY: all debug clean deps deps-check run test tests test-c test-integration test-python test-fuzz \
        check check-asan check-tsan fuzz bench docs manpage install
all: $(BUILD)/smsim $(if $(HELP2MAN),$(BUILD)/smsim.1)

debug:
	$(MAKE) DEBUG=1

$(BUILD)/sim/%.o: sim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Two libraries: the kernel, and the models on top of it.
$(BUILD)/libsmsim-kernel.a: $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsmsim-models.a: $(MDL_OBJ)
	@rm -f $@
	ar rcs $@ $^

LIBS_A := $(BUILD)/libsmsim-models.a $(BUILD)/libsmsim-kernel.a

# The program: the entry (smsim.c), experiments (experiment.c), DCC sizing (size.c).
PROG_OBJ   := $(BUILD)/smsim.o $(BUILD)/experiment.o $(BUILD)/size.o

$(BUILD)/smsim: $(PROG_OBJ) $(LIBS_A)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

manpage: $(BUILD)/smsim.1

$(BUILD)/smsim.1: $(BUILD)/smsim
	@command -v help2man >/dev/null || { echo "smsim: help2man is missing (apt-get install help2man, or make deps)"; exit 1; }
	help2man --no-info --no-discard-stderr --section=1 \
	  --name='simulate the GB smart-metering rollout and write its results to HDF5' \
	  --output=$@ ./$(BUILD)/smsim

# PREFIX and DESTDIR as GNU packages use them: make install PREFIX=/usr DESTDIR=/tmp/pkg.
# The Python analysis package is not installed here (see README.md).
install: $(BUILD)/smsim $(BUILD)/smsim.1
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BUILD)/smsim $(DESTDIR)$(BINDIR)/smsim
	$(INSTALL) -m 0644 $(BUILD)/smsim.1 $(DESTDIR)$(MANDIR)/man1/smsim.1

$(BUILD)/tests/%: tests/%.c $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $< $(LIBS_A) $(LDFLAGS) $(LDLIBS) $(CMOCKA_LIBS) -o $@

$(BUILD)/bench/%: tests/bench/%.c $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(LIBS_A) $(LDFLAGS) $(LDLIBS) -o $@

$(FUZZ_RUN): tests/fuzz/fuzz_run.c tests/fuzz/fuzz_scenario.c $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) tests/fuzz/fuzz_run.c tests/fuzz/fuzz_scenario.c $(LIBS_A) $(LDFLAGS) $(LDLIBS) -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- set-up: Debian packages -------------------------------------------------
DEB_PKGS := gcc make pkg-config libgsl-dev libhdf5-dev libconfig-dev libcmocka-dev hdf5-tools \
            python3 python3-numpy python3-h5py python3-matplotlib python3-xarray python3-pandas \
            python3-h5netcdf python3-netcdf4 python3-pytest python3-nbclient python3-nbformat \
            python3-ipykernel python3-scipy python3-setuptools python3-pip libopenmpi-dev openmpi-bin help2man time
# (Open MPI always: `make test` builds and checks the MPI variant too, tests/integration/test_mpi.sh;
# time: /usr/bin/time -v measures peak memory in `make bench`)
#
# Commands the Makefile and every script under tests/ call, and where each comes
# from on a fresh minimal Debian (base = Essential or Priority required, as in
# debootstrap --variant=minbase or the debian:bookworm image):
#   base: bash, coreutils (cat cp cut date dd dirname du head install ln ls mkdir mktemp
#         nproc rm seq sleep sort tail tee timeout tr truncate uname wc), grep, sed, mawk
#         (awk), diffutils (diff), findutils (find), dpkg (dpkg-query), apt (apt-get,
#         apt-cache), libc-bin (ldd)
#   DEB_PKGS: make, gcc (cc), pkg-config, hdf5-tools (h5diff h5dump), python3
#         (/usr/bin/python3), libopenmpi-dev (mpicc), openmpi-bin (mpirun; it brings
#         openssh-client), help2man, time (/usr/bin/time)
#   CHECK_PKGS (make check, make fuzz only): clang (clang-14), libclang-rt-dev, libomp-dev
#   optional: git (bench records the commit if it can; '?' otherwise)
# Processes are found through /proc, not pgrep/ps (procps is not in the base).
# tests/integration/test_commands.sh checks every script against these lists, and
# tests/tools/minimal-path.sh runs the suite with a PATH of exactly these
# packages' commands (plus their dependencies) and fails on anything else.

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "smsim: installing Debian packages:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "smsim: missing Debian packages. Run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# ---- the two commands ------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p results
	$(BUILD)/smsim run scenarios/default.cfg -o results/default.h5
	@if [ -f analysis/report.py ]; then \
	  $(PYTHON) -m analysis.report results/default.h5 -o results/default-report && \
	  echo "report: results/default-report/index.html"; fi

test: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory test-c test-integration test-fuzz test-python

tests: $(TEST_BIN) $(BENCH_BIN) $(FUZZ_RUN)

test-c: $(TEST_BIN)
	@fail=0; pass=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; if ( cd . && $$t ); then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "C test programs: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# INTEGRATION_SKIP: scripts left out (make check leaves two out, see check-asan).
INTEGRATION_SKIP ?=
test-integration: $(BUILD)/smsim
	@fail=0; pass=0; for t in $(filter-out $(INTEGRATION_SKIP),$(wildcard tests/integration/*.sh)); do \
	  [ -f "$$t" ] || continue; echo "== $$t"; \
	  if SMSIM=$(BUILD)/smsim bash $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "integration: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# The scenario fuzz target over tests/fuzz/corpus and FUZZ_N fixed-seed mutants
# of it (deterministic; about 10 s in the release build, FUZZ_LIMIT s at most).
FUZZ_N     ?= 20000
FUZZ_LIMIT ?= 60
test-fuzz: $(FUZZ_RUN)
	@echo "== $(FUZZ_RUN) tests/fuzz/corpus $(FUZZ_N)"
	@LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	  $(FUZZ_RUN) tests/fuzz/corpus $(FUZZ_N) $(FUZZ_LIMIT)

test-python: $(BUILD)/smsim
	@if ls tests/python/test_*.py >/dev/null 2>&1; then \
	  SMSIM=$(BUILD)/smsim $(PYTHON) -m pytest -q tests/python; fi

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@mkdir -p results
	BUILD=$(BUILD) bash tests/bench/run.sh | tee results/bench.txt

# ---- sanitizers and fuzzing -------------------------------------------------------
# `make check`: what `make test` runs in C and shell (see check-asan for two
# exceptions) and the fuzz corpus, in the ASan + UBSan
# build (build-debug; sanitizer reports are fatal), then the tests that run
# threads (the engine's windows, the DCC's shards) under ThreadSanitizer.
# TSan needs every thread library instrumented or annotated: gcc's libgomp is
# neither, so the TSan build uses clang with LLVM's libomp, whose Archer tool
# (libarcher, loaded through OMP_TOOL_LIBRARIES) tells TSan about OpenMP's
# barriers and tasks.  libomp itself is not instrumented: the interceptor
# calls it makes (its allocator's memset, its lazily made locks) are ignored
# (tests/sanitizers/tsan.supp, called_from_lib), smsim's own accesses are all
# checked.  clang, libclang-rt-dev and
# libomp-dev are installed by `make check` itself (CHECK_PKGS).
CHECK_PKGS := clang clang-14 libclang-rt-dev libomp-dev
SAN_ENV    := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
              LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0
TSAN_BUILD := build-tsan
TSAN_TESTS := test_engine test_dcc
ARCHER     := $(firstword $(wildcard /usr/lib/llvm-*/lib/libarcher.so))

check: deps deps-check
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-tsan

deps-check:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(CHECK_PKGS)"

# Two scripts are left out of the sanitizer run, and run in `make test`:
# test_sizes.sh is a timing test (seven runs of 2 to 3.5 million households,
# each under a 60 s watchdog) and ASan + UBSan make the simulation 10-30
# times slower; test_mpi.sh builds its own release MPI binary and compares
# its datasets bit for bit with $(SMSIM)'s, which holds between builds with
# the same flags only (the DCC series differ in the last bits between -O1
# and -O3), so it would test nothing under the sanitizers.
check-asan:
	@$(MAKE) --no-print-directory DEBUG=1 all tests
	@$(SAN_ENV) $(MAKE) --no-print-directory DEBUG=1 test-c test-integration \
	  INTEGRATION_SKIP="tests/integration/test_sizes.sh tests/integration/test_mpi.sh"
	@$(SAN_ENV) $(MAKE) --no-print-directory DEBUG=1 test-fuzz FUZZ_N=4000 FUZZ_LIMIT=120

check-tsan: deps-check
	@$(MAKE) --no-print-directory CC=clang BUILD=$(TSAN_BUILD) CI= \
	  OPT="-O1 -g -fsanitize=thread -fno-omit-frame-pointer -DSIM_DEBUG=1" LDOPT=-fsanitize=thread \
	  $(addprefix $(TSAN_BUILD)/tests/,$(TSAN_TESTS))
	@fail=0; for t in $(TSAN_TESTS); do echo "== $(TSAN_BUILD)/tests/$$t (ThreadSanitizer, 4 threads)"; \
	  OMP_NUM_THREADS=4 OMP_TOOL_LIBRARIES=$(ARCHER) \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/sanitizers/tsan.supp" \
	    $(TSAN_BUILD)/tests/$$t || { fail=1; echo "FAILED: $$t under ThreadSanitizer"; }; \
	done; [ $$fail = 0 ]

# libFuzzer on scenario loading, instrumented from source with clang; new
# inputs it finds go to build-fuzz/corpus (copy the good ones into tests/fuzz/corpus).
FUZZ_SECONDS ?= 60
fuzz: deps-check build-fuzz/fuzz_scenario
	@mkdir -p build-fuzz/corpus
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp build-fuzz/fuzz_scenario \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	  $(CURDIR)/build-fuzz/corpus $(CURDIR)/tests/fuzz/corpus

build-fuzz/fuzz_scenario: tests/fuzz/fuzz_scenario.c $(SIM_SRC) $(MDL_SRC) $(wildcard sim/*.h models/*.h models/*/*.h)
	@mkdir -p build-fuzz
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -DSMSIM_LIBFUZZER \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isim $(addprefix -I,$(MODEL_DIRS)) \
	  $(PKG_CFLAGS) -DSMSIM_VERSION='"$(VERSION)"' tests/fuzz/fuzz_scenario.c $(SIM_SRC) $(MDL_SRC) \
	  $(PKG_LIBS) $(HL_LIBS) -lm -fopenmp=libgomp -o $@

clean:
	rm -rf build build-debug build-mpi build-tsan build-fuzz

# Regenerate the key reference in scenarios/README.md from the schema tables.
docs: $(BUILD)/smsim
	@$(BUILD)/smsim keys > $(BUILD)/keys.md
	@awk -v keys=$(BUILD)/keys.md '/<!-- BEGIN KEYS -->/{print; while((getline l < keys)>0) print l; skip=1; next} /<!-- END KEYS -->/{skip=0} !skip' scenarios/README.md > $(BUILD)/README.new
	@mv $(BUILD)/README.new scenarios/README.md && echo "scenarios/README.md: key reference regenerated"
