# smsim — build, test, run, bench.
#
#   make            optimised build/smsim (OpenMP on)
#   make debug      build-debug/smsim with ASan + UBSan and SIM_DEBUG invariant checks (SIM_ASSERT)
#   make MPI=1      build with mpicc (distributed runs)
#   make run        install what is missing, build, run scenarios/default.cfg, write the report
#   make test       install what is missing, build, run every test (C, integration, Python)
#   make bench      benchmarks; table in results/bench.txt
#   make install    build/smsim and its man page under $(DESTDIR)$(PREFIX) (default /usr/local)
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

# The man page is generated from --help by help2man (in DEB_PKGS); a plain
# `make` builds it when help2man is there, `make install` requires it.
HELP2MAN   := $(shell command -v help2man 2>/dev/null)
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
INSTALL    ?= install

.PHONY: all debug clean deps run test tests test-c test-integration test-python bench docs man install
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

$(BUILD)/smsim: $(BUILD)/smsim.o $(LIBS_A)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

man: $(BUILD)/smsim.1

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

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- set-up: Debian packages -------------------------------------------------
DEB_PKGS := gcc make pkg-config libgsl-dev libhdf5-dev libconfig-dev libcmocka-dev hdf5-tools \
            python3 python3-numpy python3-h5py python3-matplotlib python3-xarray python3-pandas \
            python3-h5netcdf python3-netcdf4 python3-pytest python3-nbclient python3-nbformat \
            python3-ipykernel python3-scipy python3-setuptools python3-pip libopenmpi-dev openmpi-bin help2man
# (Open MPI always: `make test` builds and checks the MPI variant too, tests/integration/test_mpi.sh)

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
	@$(MAKE) --no-print-directory test-c test-integration test-python

tests: $(TEST_BIN) $(BENCH_BIN)

test-c: $(TEST_BIN)
	@fail=0; pass=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; if ( cd . && $$t ); then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "C test programs: $$pass passed, $$fail failed"; [ $$fail = 0 ]

test-integration: $(BUILD)/smsim
	@fail=0; pass=0; for t in tests/integration/*.sh; do \
	  [ -f "$$t" ] || continue; echo "== $$t"; \
	  if SMSIM=$(BUILD)/smsim bash $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "integration: $$pass passed, $$fail failed"; [ $$fail = 0 ]

test-python: $(BUILD)/smsim
	@if ls tests/python/test_*.py >/dev/null 2>&1; then \
	  SMSIM=$(BUILD)/smsim $(PYTHON) -m pytest -q tests/python; fi

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@mkdir -p results
	BUILD=$(BUILD) bash tests/bench/run.sh | tee results/bench.txt

clean:
	rm -rf build build-debug build-mpi

# Regenerate the key reference in scenarios/README.md from the schema tables.
docs: $(BUILD)/smsim
	@$(BUILD)/smsim keys > $(BUILD)/keys.md
	@awk -v keys=$(BUILD)/keys.md '/<!-- BEGIN KEYS -->/{print; while((getline l < keys)>0) print l; skip=1; next} /<!-- END KEYS -->/{skip=0} !skip' scenarios/README.md > $(BUILD)/README.new
	@mv $(BUILD)/README.new scenarios/README.md && echo "scenarios/README.md: key reference regenerated"
