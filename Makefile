# ems: FastCGI event management server. `make run` and `make test` are the
# two commands of the quick start; both install what is missing first.
CXX      ?= g++
CLANGXX  ?= clang++
BUILD    ?= build
BIN      ?= bin
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc

# Debian's hardening flags (dpkg-buildflags with hardening=+all), spelled out
# so the build does not depend on dpkg-dev.
HARDEN_CXX := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
              -fstack-clash-protection -fcf-protection
HARDEN_LD  := -pie -Wl,-z,relro -Wl,-z,now
CPPFLAGS += -I. -I/usr/include/jsoncpp $(shell pkg-config --cflags libmariadb 2>/dev/null)
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -MMD -MP $(HARDEN_CXX)
LDFLAGS  += $(HARDEN_LD)
LDLIBS   += -lfcgi -lcgicc -ljsoncpp $(shell pkg-config --libs libmariadb 2>/dev/null || echo -lmariadb) \
            -lcrypt -lcurl -lcrypto -lz -luuid -lpthread -larchive -lsystemd -lical

LIB_SRCS  := $(sort $(wildcard core/*.cpp fcgi/*.cpp handlers/*.cpp models/*.cpp storage/*.cpp views/*.cpp))
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/%.o)
# cmd/ems-*.cpp are the programs; the other cmd/*.cpp are parts of ems-admin.
CMD_SRCS  := $(wildcard cmd/ems-*.cpp)
CMDS      := $(CMD_SRCS:cmd/%.cpp=$(BIN)/%)
ADMIN_SRCS := $(filter-out $(CMD_SRCS),$(wildcard cmd/*.cpp))
ADMIN_OBJS := $(ADMIN_SRCS:%.cpp=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(shell find tests/unit -name '*.cpp'))
UNIT_OBJS := $(UNIT_SRCS:%.cpp=$(BUILD)/%.o)
# System tests run other programs, several processes or need root; model
# tests need a MariaDB server (scripts/test.sh runs them on its stack).
SYSTEM_SRCS := $(sort $(shell find tests/system -name '*.cpp'))
SYSTEM_OBJS := $(SYSTEM_SRCS:%.cpp=$(BUILD)/%.o)
MODEL_SRCS  := $(sort $(shell find tests/model -name '*.cpp'))
MODEL_OBJS  := $(MODEL_SRCS:%.cpp=$(BUILD)/%.o)
TOOL_SRCS := $(wildcard tests/tools/*.cpp)
TOOLS     := $(TOOL_SRCS:tests/tools/%.cpp=$(BIN)/test-%)
BENCH_SRCS:= $(wildcard bench/*.cpp)
BENCHES   := $(BENCH_SRCS:bench/%.cpp=$(BIN)/bench-%)

.PHONY: all deps run install test unit bench clean fuzz format lint sanitize-build fuzz-build test-sanitize
# Keep the objects of cmd/, tests/tools/ and bench/ (make deletes pattern
# intermediates by default, which relinked every binary on every make).
.SECONDARY:
# What the suites run (make test builds these, not the benchmarks).
TESTED := $(CMDS) $(BIN)/unit_tests $(BIN)/system_tests $(BIN)/model_tests $(TOOLS)
all: $(TESTED) $(BENCHES)

deps:
	@bash scripts/install-deps.sh

$(BUILD)/libems.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BIN)/%: $(BUILD)/cmd/%.o $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ems-fcgi --version: VERSION, and the commit when built from a git checkout.
EMS_VERSION := $(shell cat VERSION)$(shell git describe --always --dirty 2>/dev/null | sed 's/^/+/')
$(BUILD)/cmd/ems-fcgi.o: CPPFLAGS += -DEMS_VERSION='"$(EMS_VERSION)"'
$(BUILD)/cmd/ems-fcgi.o: VERSION

$(BIN)/ems-admin: $(BUILD)/cmd/ems-admin.o $(ADMIN_OBJS) $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BIN)/test-%: $(BUILD)/tests/tools/%.o $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BIN)/bench-%: $(BUILD)/bench/%.o $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BIN)/unit_tests: $(UNIT_OBJS) $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -lboost_unit_test_framework -o $@

$(BIN)/system_tests: $(SYSTEM_OBJS) $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -lboost_unit_test_framework -o $@

$(BIN)/model_tests: $(MODEL_OBJS) $(BUILD)/libems.a
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -lboost_unit_test_framework -o $@

# Sanitizer build (`make test-sanitize`, and the *-asan suites of `make
# test`): the same sources under clang with AddressSanitizer and UBSan, -O1
# to keep the build and the suites quick, in build-asan/ and bin-asan/.
# The objects also carry libFuzzer's coverage hooks (fuzzer-no-link), so
# the fuzz targets link against this one library instead of a third build;
# in the other binaries the hooks are the sanitizer runtime's no-ops.
# No _FORTIFY_SOURCE: its checked copies hide overflows from ASan. No
# -Werror: warnings are the gcc build's job (clang warns about other
# things, e.g. -Wstring-plus-int on `"status" + 6`, an end pointer).
ASAN_BUILD ?= build-asan
ASAN_BIN   ?= bin-asan
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_CXXFLAGS := -std=c++20 -O1 -g -MMD -MP $(SAN_FLAGS) \
                 -fsanitize=fuzzer-no-link
ASAN_LIB_OBJS  := $(LIB_SRCS:%.cpp=$(ASAN_BUILD)/%.o)
ASAN_UNIT_OBJS := $(UNIT_SRCS:%.cpp=$(ASAN_BUILD)/%.o)
ASAN_CMDS      := $(ASAN_BIN)/ems-fcgi $(ASAN_BIN)/ems-admin

$(ASAN_BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CLANGXX) $(CPPFLAGS) $(ASAN_CXXFLAGS) -c $< -o $@

$(ASAN_BUILD)/libems.a: $(ASAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(ASAN_BIN)/%: $(ASAN_BUILD)/cmd/%.o $(ASAN_BUILD)/libems.a
	@mkdir -p $(@D)
	$(CLANGXX) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

$(ASAN_BUILD)/cmd/ems-fcgi.o: CPPFLAGS += -DEMS_VERSION='"$(EMS_VERSION)"'
$(ASAN_BUILD)/cmd/ems-fcgi.o: VERSION

ASAN_ADMIN_OBJS := $(ADMIN_SRCS:%.cpp=$(ASAN_BUILD)/%.o)
$(ASAN_BIN)/ems-admin: $(ASAN_BUILD)/cmd/ems-admin.o $(ASAN_ADMIN_OBJS) $(ASAN_BUILD)/libems.a
	@mkdir -p $(@D)
	$(CLANGXX) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

$(ASAN_BIN)/unit_tests: $(ASAN_UNIT_OBJS) $(ASAN_BUILD)/libems.a
	@mkdir -p $(@D)
	$(CLANGXX) $(SAN_FLAGS) $^ $(LDLIBS) -lboost_unit_test_framework -o $@

# libFuzzer targets, one per parser of outside input (tests/fuzz/README.md):
# tests/fuzz/fuzz_NAME.cpp becomes bin-asan/fuzz_NAME, seeded from
# tests/fuzz/corpus/NAME/. `make test` runs each briefly, `make fuzz` longer.
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.cpp))
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/%.cpp=$(ASAN_BIN)/%)
$(ASAN_BIN)/fuzz_%: $(ASAN_BUILD)/tests/fuzz/fuzz_%.o $(ASAN_BUILD)/libems.a
	@mkdir -p $(@D)
	$(CLANGXX) $(SAN_FLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

sanitize-build: $(ASAN_CMDS) $(ASAN_BIN)/unit_tests
fuzz-build: $(FUZZ_TARGETS)

# FUZZ_SECONDS per target (default 120 here: 18 minutes; 10 in make test).
fuzz: deps
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-build
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-120} bash scripts/test.sh fuzz

# The unit tests and the integration suite against the sanitizer build.
test-sanitize: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all sanitize-build
	@bash scripts/test.sh sanitize

# make run builds only what it runs (the two programs), in parallel.
run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(CMDS)
	@bash scripts/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the programs,
# views, static files, nginx snippet, systemd units, logrotate file and an
# example configuration (scripts/install.sh lists the layout).
install: $(CMDS)
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) SYSCONFDIR=$(SYSCONFDIR) bash scripts/install.sh

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(TESTED) sanitize-build fuzz-build
	@bash scripts/test.sh

unit: all
	@$(BIN)/unit_tests

# The bench builds what it runs: the programs and the benchmarks.
bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(CMDS) $(BENCHES)
	@bash scripts/bench.sh

# The dependency rule between source folders, the house format, shellcheck
# on the scripts and repeated code outside tests/ (scripts/lint-*.py).
lint:
	@python3 scripts/lint-includes.py
	@clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp') && echo "clang-format: clean"
	@shellcheck $$(git ls-files 'scripts/*.sh') && echo "shellcheck: clean"
	@python3 scripts/lint-duplicates.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BIN) $(ASAN_BUILD) $(ASAN_BIN)

-include $(ASAN_LIB_OBJS:.o=.d) $(ASAN_UNIT_OBJS:.o=.d) $(FUZZ_SRCS:%.cpp=$(ASAN_BUILD)/%.d) $(ASAN_BUILD)/cmd/ems-fcgi.d $(ASAN_BUILD)/cmd/ems-admin.d \
         $(ASAN_ADMIN_OBJS:.o=.d)
-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(SYSTEM_OBJS:.o=.d) $(MODEL_OBJS:.o=.d) $(CMD_SRCS:%.cpp=$(BUILD)/%.d) \
         $(ADMIN_OBJS:.o=.d)
