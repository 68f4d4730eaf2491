# Lockstep - the one build file. Explicit object lists, no recursion.
#
#   make            build/lockstep.elf (+ .sym, .asm) and build/lockstep.iso
#   make run        boot the ISO in QEMU, VGA console in this terminal (curses)
#   make run-serial boot headless, serial console on this terminal (Ctrl-A x quits)
#   make ktest      build/ktest.elf and build/ktest.iso: the in-kernel test suite
#   make test       install what is missing, build, run every test level, print a total
#   make golden     replay every tests/golden/*.keys and compare (UPDATE=1 rewrites them)
#   make docs       regenerate docs/' generated tables and golden-case excerpts
#   make record NAME=x   a live session saved as the golden case tests/golden/x.keys
#   make deps       install the Debian packages the project needs (tools/install-deps)
#
# Host gcc/binutils in freestanding mode; set CROSS=x86_64-elf- to use a cross toolchain.

# Plain `make` is `make all`, whichever rule happens to come first below.
.DEFAULT_GOAL := all

CROSS   ?=
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
NM      := $(CROSS)nm
OBJCOPY := $(CROSS)objcopy
OBJDUMP := $(CROSS)objdump
CPP     := $(CROSS)cpp
HOSTCC  ?= gcc
PYTHON  ?= /usr/bin/python3
BUILD   ?= build
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

INCLUDES := -Ikernel/include -Ikernel/lib -Ikernel/arch/x86_64 -Ikernel/boot -Ikernel/drivers \
	-Ikernel/mm -Ikernel/async -Ikernel/proc -Ikernel/syscall -Ikernel/shell -Itrace -Idebug/gdbstub

# -mgeneral-regs-only: no SSE/x87 state to save in interrupt handlers.
# -fno-tree-loop-distribute-patterns: keep gcc from turning memset's loop into memset().
KERNEL_CFLAGS := -std=gnu11 -O2 -ggdb -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-common \
	-m64 -march=x86-64 -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
	-mgeneral-regs-only -MMD -MP $(INCLUDES)
KERNEL_ASFLAGS := -ggdb -m64 -MMD -MP -D__ASSEMBLER__ $(INCLUDES)
KERNEL_LDFLAGS := --fatal-warnings -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=none \
	-T $(BUILD)/kernel.ld

# ---- kernel objects, in dependency order: lib <- arch <- boot <- drivers <- mm <- async
# <- proc/syscall <- shell <- kmain; trace/ observes them all through trace/trace.h ----
KERNEL_OBJS := \
	kernel/lib/string.o \
	kernel/lib/number.o \
	kernel/lib/format.o \
	kernel/lib/kprintf.o \
	kernel/lib/panic.o \
	kernel/lib/ksyms.o \
	kernel/arch/x86_64/boot.o \
	kernel/arch/x86_64/descriptor.o \
	kernel/arch/x86_64/gdt.o \
	kernel/arch/x86_64/idt.o \
	kernel/arch/x86_64/isr.o \
	kernel/arch/x86_64/exception.o \
	kernel/arch/x86_64/trap.o \
	kernel/arch/x86_64/irq.o \
	kernel/arch/x86_64/paging.o \
	kernel/arch/x86_64/backtrace.o \
	kernel/arch/x86_64/provoke.o \
	kernel/arch/x86_64/user.o \
	kernel/arch/x86_64/user_entry.o \
	kernel/boot/boot_info.o \
	trace/ring.o \
	trace/stream.o \
	trace/table.o \
	trace/format.o \
	trace/trace.o \
	debug/gdbstub/rsp.o \
	debug/gdbstub/gdbstub.o \
	debug/gdbstub/threads.o \
	debug/gdbstub/x86_64.o \
	debug/gdbstub/x86_64_registers.o \
	debug/gdbstub/serial.o \
	kernel/drivers/uart16550.o \
	kernel/drivers/vga.o \
	kernel/drivers/pic8259.o \
	kernel/drivers/pit.o \
	kernel/drivers/debug_exit.o \
	kernel/drivers/ps2kbd.o \
	kernel/mm/frame.o \
	kernel/mm/frame_boot.o \
	kernel/mm/vmm.o \
	kernel/mm/tlsf.o \
	kernel/mm/tlsf_check.o \
	kernel/mm/heap_core.o \
	kernel/mm/heap_check.o \
	kernel/mm/heap.o \
	kernel/async/machine.o \
	kernel/async/executor.o \
	kernel/async/timer.o \
	kernel/async/scancode.o \
	kernel/async/keyboard.o \
	kernel/async/serial_input.o \
	kernel/async/replay.o \
	kernel/async/gdb_tasks.o \
	kernel/proc/elf.o \
	kernel/proc/initrd.o \
	kernel/proc/uspace.o \
	kernel/proc/process.o \
	kernel/proc/terminal.o \
	kernel/syscall/syscall.o \
	kernel/syscall/handlers.o \
	kernel/shell/line.o \
	kernel/shell/parse.o \
	kernel/shell/commands.o \
	kernel/shell/programs.o \
	kernel/shell/shell.o \
	kernel/kmain.o
KERNEL_OBJS := $(addprefix $(BUILD)/,$(KERNEL_OBJS))

KTEST_OBJS := \
	tests/ktest/ktest.o \
	tests/ktest/ktest_jump.o \
	tests/ktest/test_kprintf.o \
	tests/ktest/test_vga.o \
	tests/ktest/test_cpu_tables.o \
	tests/ktest/test_exceptions.o \
	tests/ktest/test_timer.o \
	tests/ktest/test_pic.o \
	tests/ktest/test_trace.o \
	tests/ktest/test_async.o \
	tests/ktest/test_gdbstub.o \
	tests/ktest/test_boot_info.o \
	tests/ktest/test_pmm.o \
	tests/ktest/test_vmm.o \
	tests/ktest/test_heap.o \
	tests/ktest/test_user.o \
	tests/ktest/test_exception_vectors.o \
	tests/ktest/test_frame_exhaustion.o \
	tests/ktest/test_keyboard_overflow.o \
	tests/ktest/test_trace_overflow.o
KTEST_OBJS += tools/bench/kbench_trace.o
KTEST_OBJS := $(addprefix $(BUILD)/,$(KTEST_OBJS))

# Every header and X-macro table a host program (unit test, benchmark, fuzz target) may
# include. Each is compiled and linked from several sources in one compiler call, whose
# -MMD file would list only the last source's headers: each depends on them all instead.
HOST_HEADERS := $(wildcard tests/unit/*.h tests/*.h kernel/*/*.h kernel/*/*.def \
	kernel/arch/x86_64/*.h trace/*.h trace/*.def debug/gdbstub/*.h)

# ---- host unit tests (AddressSanitizer + UBSan): test name -> kernel sources it tests ----
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(INCLUDES) -Itests/unit
UNIT_TESTS := test_format test_descriptor test_boot_info_mb1 test_boot_info_mb2 test_exception \
	test_trace_ring test_executor test_scancode test_line test_paging test_frame test_heap \
	test_gdbstub test_elf test_initrd
UNIT_SRC_test_format     := kernel/lib/format.c
UNIT_SRC_test_descriptor := kernel/arch/x86_64/descriptor.c
UNIT_SRC_test_boot_info_mb1 := kernel/boot/boot_info.c
UNIT_SRC_test_boot_info_mb2 := kernel/boot/boot_info.c
UNIT_SRC_test_exception  := kernel/arch/x86_64/exception.c kernel/lib/format.c
UNIT_SRC_test_trace_ring := trace/ring.c trace/stream.c trace/table.c
ASYNC_SRC := kernel/async/executor.c kernel/async/timer.c kernel/async/keyboard.c \
	kernel/async/scancode.c trace/ring.c trace/table.c
UNIT_SRC_test_executor := $(ASYNC_SRC) kernel/async/gdb_tasks.c kernel/lib/kprintf.c \
	kernel/lib/format.c kernel/lib/ksyms.c
UNIT_SRC_test_scancode := kernel/async/scancode.c
UNIT_SRC_test_line := kernel/shell/line.c kernel/shell/parse.c kernel/lib/number.c \
	kernel/lib/format.c
UNIT_SRC_test_gdbstub := debug/gdbstub/rsp.c debug/gdbstub/gdbstub.c debug/gdbstub/threads.c \
	kernel/lib/format.c
UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS) trace_stream_gen)
UNIT_SRC_trace_stream_gen := trace/ring.c trace/stream.c trace/table.c
UNIT_SRC_test_paging     := kernel/arch/x86_64/paging.c
UNIT_SRC_test_frame      := kernel/mm/frame.c kernel/lib/kprintf.c kernel/lib/format.c \
	kernel/lib/ksyms.c
UNIT_SRC_test_heap       := kernel/mm/heap_core.c kernel/mm/heap_check.c kernel/mm/tlsf.c \
	kernel/mm/tlsf_check.c kernel/lib/kprintf.c kernel/lib/format.c kernel/lib/ksyms.c
UNIT_SRC_test_elf        := kernel/proc/elf.c
UNIT_SRC_test_initrd     := kernel/proc/initrd.c

# ---- host benchmark programs (tools/bench/), built -O2 without sanitizers ----
# -fno-pie: absolute addresses as in the kernel's code model, so counts match its code.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-pie -no-pie $(INCLUDES)
BENCH_PROGRAMS := trace_emit executor_cycle executor_cycle_untraced heap
BENCH_SRC_heap := kernel/mm/heap_core.c kernel/mm/heap_check.c kernel/mm/tlsf.c \
	kernel/mm/tlsf_check.c kernel/mm/frame.c \
	kernel/arch/x86_64/paging.c kernel/lib/kprintf.c kernel/lib/format.c kernel/lib/ksyms.c
BENCH_SRC_trace_emit := trace/ring.c trace/stream.c trace/table.c
BENCH_SRC_executor_cycle := kernel/async/executor.c trace/ring.c trace/stream.c trace/table.c

# The same cycle with every TRACE compiled out: the executor's own share.
$(BUILD)/bench/executor_cycle_untraced: tools/bench/executor_cycle.c $(BENCH_SRC_executor_cycle) \
		$(HOST_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -DTRACE_COMPILED_OUT -o $@ $(filter %.c,$^)
BENCH_BINS = $(addprefix $(BUILD)/bench/,$(BENCH_PROGRAMS))

.PHONY: all kernel iso ktest unit unit-build run run-serial trace test bench deps clean
.SECONDARY:
.SECONDEXPANSION:

all: kernel iso
kernel: $(BUILD)/lockstep.elf $(BUILD)/lockstep.sym $(BUILD)/lockstep.asm
iso: $(BUILD)/lockstep.iso
ktest: $(BUILD)/ktest.elf $(BUILD)/ktest.iso
# `make unit` builds the host unit tests and runs them, one pytest case per test, each in
# its own process so that a sanitizer abort fails only that test (tests/unit/test_unit.py);
# `make unit-build` only builds them, as make test's build step does.
unit-build: $(UNIT_BINS)
unit: unit-build
	@BUILD=$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider tests/unit/test_unit.py

deps:
	@tools/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/tools/bench/kbench_%.o: tools/bench/kbench_%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -Itests/ktest -c $< -o $@

$(BUILD)/tests/ktest/%.o: tests/ktest/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -Itests/ktest -c $< -o $@

$(BUILD)/kernel.ld: kernel/kernel.ld kernel/arch/x86_64/layout.h
	@mkdir -p $(dir $@)
	$(Q)$(CPP) -P -D__ASSEMBLER__ -Ikernel $< -o $@

$(BUILD)/ksyms-empty.o:
	@mkdir -p $(dir $@)
	$(Q)tools/gen-ksyms > $(BUILD)/ksyms-empty.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/ksyms-empty.S -o $@

# Two-pass link (see tools/gen-ksyms): link with an empty symbol table, generate the
# table from that link, link again, and check that no function moved in between and
# that the file mirrors memory as QEMU's multiboot v1 loader needs (tools/check-image).
define link_kernel
$(BUILD)/$(1).elf: $(2) $(BUILD)/ksyms-empty.o $(BUILD)/kernel.ld tools/gen-ksyms tools/check-image
	@echo "  LD      $$@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $(BUILD)/$(1).pass1.elf $(2) $(BUILD)/ksyms-empty.o
	$(Q)$(NM) -n --defined-only $(BUILD)/$(1).pass1.elf > $(BUILD)/$(1).pass1.nm
	$(Q)tools/gen-ksyms $(BUILD)/$(1).pass1.nm > $(BUILD)/$(1).ksyms.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/$(1).ksyms.S -o $(BUILD)/$(1).ksyms.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $$@ $(2) $(BUILD)/$(1).ksyms.o
	$(Q)NM=$(NM) tools/check-image $(BUILD)/$(1).pass1.elf $$@
endef
$(eval $(call link_kernel,lockstep,$(KERNEL_OBJS)))
$(eval $(call link_kernel,ktest,$(KERNEL_OBJS) $(KTEST_OBJS)))

$(BUILD)/%.sym: $(BUILD)/%.elf
	$(Q)$(NM) -n $< > $@

$(BUILD)/%.asm: $(BUILD)/%.elf
	@echo "  OBJDUMP $@"
	$(Q)$(OBJDUMP) -d -S -M att --no-show-raw-insn $< > $@

# GRUB 2 rescue ISO whose menu entry loads the kernel with `multiboot2`.
define make_iso
$(BUILD)/$(1).iso: $(BUILD)/$(1).elf $(BUILD)/initrd.tar tools/make-iso
	@echo "  ISO     $$@"
	$(Q)tools/make-iso $$< $$@ "$(2)" $(BUILD)/initrd.tar
endef
$(eval $(call make_iso,lockstep,))
$(eval $(call make_iso,ktest,ktest))

$(BUILD)/unit/%: tests/unit/%.c $(HOST_HEADERS) $$(UNIT_SRC_$$*)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SRC_$*)

$(BUILD)/bench/%: tools/bench/%.c $$(BENCH_SRC_$$*) $(HOST_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_SRC_$*)

# The boot floor (tools/bench/floor.S): a multiboot v1 image that exits QEMU at once.
$(BUILD)/bench/floor.elf: tools/bench/floor.S
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) -m32 -c -o $(BUILD)/bench/floor.o $<
	$(Q)$(LD) -m elf_i386 -Ttext 0x100000 -e _start --build-id=none -z noexecstack \
		-o $@ $(BUILD)/bench/floor.o

bench: deps all ktest $(BENCH_BINS) $(BUILD)/bench/floor.elf
	@BUILD=$(BUILD) $(PYTHON) tools/bench.py

run: deps all
	$(PYTHON) tools/qemu.py --iso $(BUILD)/lockstep.iso --display curses \
		--console-log $(BUILD)/console.log --trace-out $(BUILD)/trace.bin

run-serial: deps all
	$(PYTHON) tools/qemu.py --iso $(BUILD)/lockstep.iso --display serial \
		--console-log $(BUILD)/console.log --trace-out $(BUILD)/trace.bin

# Boot headless for a few seconds and print the decoded trace (no shell needed).
trace: deps all
	$(PYTHON) tools/trace.py capture --seconds $(TRACE_SECONDS) \
		--kernel $(BUILD)/lockstep.elf --out $(BUILD)/trace.bin
TRACE_SECONDS ?= 3

# The generated parts of docs/: the trace event table, the syscall table, and every
# excerpt and picture tools/docs.py cuts from golden cases, boots, in-kernel tests and GDB
# sessions, all from the current build (hence all and ktest first). make test fails while
# any is stale.
.PHONY: docs
docs: deps all ktest
	$(PYTHON) tools/trace.py doc
	$(PYTHON) tools/syscalls.py doc
	$(PYTHON) tools/docs.py update

# Golden cases (docs/replay.md): replay each tests/golden/CASE.keys, in parallel across
# the cores, and compare with CASE.trace and CASE.console; make test runs the same through
# tests/golden/test_golden.py. UPDATE=1 rewrites the golden files (review the diff).
.PHONY: golden record
golden: deps all
	$(PYTHON) tools/replay.py check --kernel $(BUILD)/lockstep.elf $(if $(UPDATE),--update)

# Record a live session (curses, the PS/2 keyboard) as tests/golden/$(NAME).keys, replay it
# and check that the replay's trace equals the live one.
record: deps all
	@test -n "$(NAME)" || { echo "usage: make record NAME=case" >&2; exit 2; }
	$(PYTHON) tools/replay.py record --kernel $(BUILD)/lockstep.elf "$(NAME)"

# Timeline of a golden case: replay tests/golden/CASE.keys, write build/timeline/CASE.json
# (Perfetto) and CASE.svg, print the lints.
# Without CASE: the last capture, build/trace.bin. TIMELINE_FLAGS="--from 50 --to 60" etc.
.PHONY: timeline
timeline: deps all
	@mkdir -p $(BUILD)/timeline
ifneq ($(CASE),)
	@test -f tests/golden/$(CASE).keys || { echo "make timeline: no tests/golden/$(CASE).keys" >&2; exit 2; }
	$(PYTHON) tools/replay.py tests/golden/$(CASE).keys --out $(TIMELINE_IN)
endif
	$(PYTHON) tools/timeline.py $(TIMELINE_IN) --report $(TIMELINE_FLAGS) \
		--json $(BUILD)/timeline/$(TIMELINE_OUT).json --svg $(BUILD)/timeline/$(TIMELINE_OUT).svg
	@echo "timeline: $(BUILD)/timeline/$(TIMELINE_OUT).json (ui.perfetto.dev) and .svg"
TIMELINE_OUT = $(if $(CASE),$(CASE),trace)
TIMELINE_IN = $(if $(CASE),$(BUILD)/timeline/$(CASE).trace,$(BUILD)/trace.bin)

# The kernel's own GDB stub (docs/gdb.md); -qemu: QEMU's gdbserver, for comparison.
# GDB_PORT defaults to one per user, as xv6 does.
GDB_PORT ?= $(shell expr `id -u` % 5000 + 25000)
.PHONY: debug debug-server debug-qemu debug-qemu-server
# CASE=name: the kernel replays tests/golden/name.keys under the debugger (docs/gdb.md).
DEBUG_REPLAY = $(if $(CASE),--replay tests/golden/$(CASE).keys)
debug: deps all
	$(PYTHON) tools/debug.py --stub ours --port $(GDB_PORT) $(DEBUG_REPLAY)
debug-server: deps all
	$(PYTHON) tools/debug.py --stub ours --port $(GDB_PORT) --server $(DEBUG_REPLAY)
debug-qemu: deps all
	$(PYTHON) tools/debug.py --stub qemu --port $(GDB_PORT)
debug-qemu-server: deps all
	$(PYTHON) tools/debug.py --stub qemu --port $(GDB_PORT) --server

# ---- user programs (user/, what each shows is in its header comment) and the initrd ----
# Each program is a static ET_EXEC linked at USER_BASE (user/link.ld, preprocessed with
# layout.h): start.S first, the program, then the runtime. No SSE: the kernel does not
# save SSE/x87 state across a switch. The red zone is fine in ring 3: interrupts and
# syscalls move to the kernel stack. initrd.tar is a ustar archive of the stripped
# programs and user/files/*, byte-identical from build to build (fixed owner, mode,
# mtime and order), so whatever embeds it changes only when a program or file did.
USER_PROGRAMS := hello echo cat counter keys flood nullptr kernelptr privileged divide undefined \
	fpu spin badsys exitwith segments movss
USER_FILES    := readme.txt
USER_CFLAGS := -std=gnu11 -O2 -ggdb -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-common \
	-m64 -march=x86-64 -mno-mmx -mno-sse -mno-sse2 -mgeneral-regs-only \
	-MMD -MP -Iuser/lib -Ikernel/include -Ikernel/lib -Ikernel/syscall -I$(BUILD)/user
USER_LDFLAGS := -static -nostdlib -no-pie --fatal-warnings -z max-page-size=0x1000 \
	-z noexecstack --build-id=none -T $(BUILD)/user/link.ld
USER_LIB_OBJS := $(addprefix $(BUILD)/user/lib/,ulib.o string.o number.o)
USER_ELFS := $(addprefix $(BUILD)/user/,$(addsuffix .elf,$(USER_PROGRAMS)))
INITRD_ENTRIES := $(sort $(USER_PROGRAMS) $(USER_FILES))

.PHONY: initrd user
initrd: $(BUILD)/initrd.tar
user: $(USER_ELFS)
all: initrd

$(BUILD)/user/%.o: user/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# The kernel's string functions and number parsing, built again with the user flags: one
# implementation.
$(BUILD)/user/lib/%.o: kernel/lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(USER_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

# errno_name's table (ulib.c), listed from errno.h itself so that a new errno is named.
$(BUILD)/user/errno_names.inc: kernel/include/errno.h
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^#define[[:space:]]\{1,\}\(E[A-Z0-9]*\)[[:space:]]\{1,\}[0-9].*/ERRNO_NAME(\1)/p' $< > $@
$(BUILD)/user/lib/ulib.o: $(BUILD)/user/errno_names.inc

$(BUILD)/user/link.ld: user/link.ld kernel/arch/x86_64/layout.h
	@mkdir -p $(dir $@)
	$(Q)$(CPP) -P -D__ASSEMBLER__ -Ikernel $< -o $@

$(BUILD)/user/%.elf: $(BUILD)/user/lib/start.o $(BUILD)/user/%.o $(USER_LIB_OBJS) \
		$(BUILD)/user/link.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(filter %.o,$^)

# Staging: the names the archive holds. Debug info stays in build/user/*.elf for GDB.
$(BUILD)/initrd/%: $(BUILD)/user/%.elf
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-debug $< $@
	$(Q)chmod 0755 $@

$(BUILD)/initrd/%: user/files/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
	$(Q)chmod 0644 $@

$(BUILD)/initrd.tar: $(addprefix $(BUILD)/initrd/,$(INITRD_ENTRIES))
	@echo "  TAR     $@"
	$(Q)tar --create --file=$@ --format=ustar --owner=0 --group=0 --numeric-owner \
		--mtime=@0 --sort=name --mode=a=rX,u+w -C $(BUILD)/initrd $(INITRD_ENTRIES)

test: deps
	@BUILD=$(BUILD) $(PYTHON) tools/run-tests.py

clean:
	rm -rf $(BUILD)

# ---- fuzzing (docs/fuzzing.md): libFuzzer targets, clang with ASan and UBSan ----
# tests/fuzz/fuzz_TARGET.c links the same kernel sources as the target's unit test.
# `make fuzz` runs every target for FUZZ_SECONDS each, one at a time, over a copy of its
# seed corpus in $(BUILD)/fuzz/corpus/TARGET (tests/fuzz/corpus/ is never written), and
# fails on any crash, naming the reproducer. make test runs each for a few seconds
# (tests/fuzz/test_fuzz.py). `make fuzz-build` only builds them.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(INCLUDES) -Itests/unit
FUZZ_TARGETS := gdbstub scancode multiboot2 elf initrd line
FUZZ_SRC_gdbstub    := $(UNIT_SRC_test_gdbstub)
FUZZ_SRC_scancode   := $(UNIT_SRC_test_scancode)
FUZZ_SRC_multiboot2 := $(UNIT_SRC_test_boot_info_mb2)
FUZZ_SRC_elf        := $(UNIT_SRC_test_elf)
FUZZ_SRC_initrd     := $(UNIT_SRC_test_initrd)
FUZZ_SRC_line       := $(UNIT_SRC_test_line)
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: deps $(FUZZ_BINS)
	$(PYTHON) tools/fuzz.py --build $(BUILD) run --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(HOST_HEADERS) $$(FUZZ_SRC_$$*)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
