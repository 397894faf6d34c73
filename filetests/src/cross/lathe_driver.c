/* The fixed part of a Lathe cross-run driver: a C program that calls code Lathe compiled
 * into an object file and reports each call's outcome on stdout. The filetest runner
 * compiles this file once per architecture (filetests/src/cross/workdir.rs), generates
 * the tables of lathe_driver.h for each program (program.rs) and links the three with the
 * target's gcc; the program then runs natively or under qemu-user.
 *
 * Calls: each run line is one `struct lathe_call`: the trampoline to call (Lathe's entry
 * trampoline for the callee's signature, `void tramp(void *callee, void *buf)`), the
 * callee, and the argument bytes (16-byte slots, already in the target's byte order).
 * Every call runs on a worker thread whose stack this file maps (with an inaccessible
 * guard zone below it), so a stack overflow is recognised by its fault address.
 *
 * Output, one line per call, in order:
 *   ok <hex>            the call returned; <hex> is the result slots' bytes
 *   trap <code>         it trapped in Lathe code with this trap code (`int_divz`, `user3`)
 *   fault <sig> <pc>    a signal at a pc outside Lathe's code (a bug: reported, not a trap)
 *
 * Trap codes are chosen as the JIT's signal handler chooses them: a bad access in the
 * stack's guard zone is `stk_ovf`; else the trap site at the faulting instruction gives
 * its code; else a bad access is `heap_oob`, SIGFPE `int_divz`, and SIGILL/SIGTRAP the
 * default illegal-instruction code. The handler runs on an alternate signal stack and
 * siglongjmps back to run the next call.
 *
 * Also here: the library routines Lathe calls that have no standard libgcc/libm
 * counterpart (`__lathe_*`, the semantics of jit/src/libcalls.rs).
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "lathe_driver.h"

/* The pc the kernel reports for a fault, per architecture. */
#if defined(__x86_64__)
#define LATHE_PC(uc) ((uintptr_t)(uc)->uc_mcontext.gregs[REG_RIP])
#elif defined(__aarch64__)
#define LATHE_PC(uc) ((uintptr_t)(uc)->uc_mcontext.pc)
#elif defined(__riscv) && __riscv_xlen == 64
#define LATHE_PC(uc) ((uintptr_t)(uc)->uc_mcontext.__gregs[REG_PC])
#elif defined(__s390x__)
#define LATHE_PC(uc) ((uintptr_t)(uc)->uc_mcontext.psw.addr)
#else
#error "no Lathe cross driver for this architecture"
#endif

#define LATHE_STACK_SIZE (8u << 20)
/* As the JIT's handler: a bad access this far below the stack is an overflow. */
#define LATHE_GUARD_ZONE (1u << 20)
#define LATHE_ALT_STACK_SIZE (256u << 10)

static uintptr_t lathe_stack_low;
static uintptr_t *lathe_starts;
static sigjmp_buf lathe_jump;
static volatile sig_atomic_t lathe_in_call;
static const char *volatile lathe_trap_code;
static volatile uintptr_t lathe_fault_pc;
static volatile int lathe_fault_sig;

/* The pc of the faulting instruction: where the kernel reports the pc after it, the
 * instruction's own address. */
static uintptr_t lathe_instruction_pc(int sig, siginfo_t *info, ucontext_t *uc) {
    uintptr_t pc = LATHE_PC(uc);
#if defined(__x86_64__)
    (void)info;
    if (sig == SIGTRAP) /* int3 reports the address after itself */
        pc -= 1;
#elif defined(__s390x__)
    /* The PSW may point past the instruction; si_addr holds its address for these. */
    if (sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
        pc = (uintptr_t)info->si_addr;
#else
    (void)sig;
    (void)info;
#endif
    return pc;
}

/* The function of Lathe code holding `pc`, or -1. */
static long lathe_func_at(uintptr_t pc) {
    for (uint32_t i = 0; i < lathe_nfuncs; i++)
        if (pc >= lathe_starts[i] && pc < lathe_starts[i] + lathe_sizes[i])
            return (long)i;
    return -1;
}

static void lathe_handler(int sig, siginfo_t *info, void *context) {
    if (!lathe_in_call) {
        /* Not ours: the default action ends the program (when the handler returns, as
         * the signal is blocked until then), and the runner reports it. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    uintptr_t pc = lathe_instruction_pc(sig, info, (ucontext_t *)context);
    long func = lathe_func_at(pc);
    const char *code = NULL;
    if (func >= 0) {
        int access = sig == SIGSEGV || sig == SIGBUS;
        uintptr_t addr = (uintptr_t)info->si_addr;
        if (access && addr >= lathe_stack_low - LATHE_GUARD_ZONE && addr < lathe_stack_low + 4096)
            code = lathe_code_stack_overflow;
        for (uint32_t i = 0; code == NULL && i < lathe_nsites; i++)
            if (lathe_sites[i].func == (uint32_t)func && lathe_starts[func] + lathe_sites[i].offset == pc)
                code = lathe_sites[i].code;
        if (code == NULL)
            code = access ? lathe_code_bad_access : sig == SIGFPE ? lathe_code_divide : lathe_code_illegal;
    }
    lathe_trap_code = code;
    lathe_fault_pc = pc;
    lathe_fault_sig = sig;
    lathe_in_call = 0;
    siglongjmp(lathe_jump, 1);
}

static void lathe_die(const char *what) {
    perror(what);
    exit(2);
}

static void lathe_install(void) {
    static const int signals[] = {SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP};
    stack_t alt;
    alt.ss_sp = malloc(LATHE_ALT_STACK_SIZE);
    alt.ss_size = LATHE_ALT_STACK_SIZE;
    alt.ss_flags = 0;
    if (alt.ss_sp == NULL || sigaltstack(&alt, NULL) != 0)
        lathe_die("sigaltstack");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = lathe_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (sigaction(signals[i], &action, NULL) != 0)
            lathe_die("sigaction");
}

static void *lathe_worker(void *unused) {
    (void)unused;
    lathe_install();
    for (uint32_t c = 0; c < lathe_ncalls; c++) {
        const struct lathe_call *call = &lathe_calls[c];
        /* 16-byte aligned: the trampolines load i128 slots with aligned accesses. */
        unsigned char *buf = aligned_alloc(16, 16 * (size_t)call->slots);
        if (buf == NULL)
            lathe_die("aligned_alloc");
        memcpy(buf, call->args, 16 * (size_t)call->slots);
        void (*tramp)(void *, void *) = (void (*)(void *, void *))lathe_starts[call->tramp];
        void *callee = (void *)lathe_starts[call->callee];
        if (sigsetjmp(lathe_jump, 1) == 0) {
            lathe_in_call = 1;
            tramp(callee, buf);
            lathe_in_call = 0;
            printf("ok ");
            for (uint32_t i = 0; i < 16 * call->results; i++)
                printf("%02x", buf[i]);
            printf("\n");
        } else if (lathe_trap_code != NULL) {
            printf("trap %s\n", lathe_trap_code);
        } else {
            printf("fault %d %#lx\n", lathe_fault_sig, (unsigned long)lathe_fault_pc);
        }
        free(buf);
        fflush(stdout);
    }
    return NULL;
}

int main(void) {
    /* A runaway call (an endless loop) ends the program instead of the test run. */
    alarm(120);
    lathe_starts = calloc(lathe_nfuncs + 1, sizeof *lathe_starts);
    if (lathe_starts == NULL)
        lathe_die("calloc");
    for (uint32_t i = 0; i < lathe_nfuncs; i++)
        lathe_starts[i] = (uintptr_t)__lathe_code[i];
    size_t map = LATHE_STACK_SIZE + LATHE_GUARD_ZONE;
    unsigned char *stack = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED)
        lathe_die("mmap");
    if (mprotect(stack, LATHE_GUARD_ZONE, PROT_NONE) != 0)
        lathe_die("mprotect");
    lathe_stack_low = (uintptr_t)stack + LATHE_GUARD_ZONE;
    pthread_attr_t attr;
    pthread_t worker;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstack(&attr, (void *)lathe_stack_low, LATHE_STACK_SIZE) != 0)
        lathe_die("pthread_attr");
    if (pthread_create(&worker, &attr, lathe_worker, NULL) != 0 || pthread_join(worker, NULL) != 0)
        lathe_die("pthread");
    return 0;
}

/* ---- Library routines without a standard counterpart (see jit/src/libcalls.rs). ---- */

typedef unsigned __int128 lathe_u128;
typedef __int128 lathe_i128;

/* The high 128 bits of the full unsigned product, from 64-by-64-bit partial products. */
static lathe_u128 lathe_umulhi(lathe_u128 a, lathe_u128 b) {
    lathe_u128 al = (uint64_t)a, ah = a >> 64, bl = (uint64_t)b, bh = b >> 64;
    lathe_u128 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    lathe_u128 mid = (ll >> 64) + (uint64_t)lh + (uint64_t)hl;
    return hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
}

lathe_u128 __lathe_umulhi_i128(lathe_u128 a, lathe_u128 b) {
    return lathe_umulhi(a, b);
}

/* The signed high half: the unsigned one corrected for each negative operand. */
lathe_i128 __lathe_smulhi_i128(lathe_i128 a, lathe_i128 b) {
    lathe_u128 hi = lathe_umulhi((lathe_u128)a, (lathe_u128)b);
    if (a < 0)
        hi -= (lathe_u128)b;
    if (b < 0)
        hi -= (lathe_u128)a;
    return (lathe_i128)hi;
}

unsigned char __lathe_umul_overflow_i128(lathe_u128 a, lathe_u128 b) {
    lathe_u128 r;
    return __builtin_mul_overflow(a, b, &r);
}

unsigned char __lathe_smul_overflow_i128(lathe_i128 a, lathe_i128 b) {
    lathe_i128 r;
    return __builtin_mul_overflow(a, b, &r);
}

/* Float to 128-bit integer, truncating, saturating, NaN giving 0. */
#define LATHE_TWO_127 170141183460469231731687303715884105728.0
#define LATHE_TWO_128 340282366920938463463374607431768211456.0
#define LATHE_I128_MAX ((lathe_i128)(~(lathe_u128)0 >> 1))

static lathe_i128 lathe_to_i128_sat(double x) {
    if (x != x)
        return 0;
    if (x >= LATHE_TWO_127)
        return LATHE_I128_MAX;
    if (x < -LATHE_TWO_127)
        return -LATHE_I128_MAX - 1;
    return (lathe_i128)x;
}

static lathe_u128 lathe_to_u128_sat(double x) {
    if (x != x || x <= -1.0)
        return 0;
    if (x >= LATHE_TWO_128)
        return ~(lathe_u128)0;
    return x < 0.0 ? 0 : (lathe_u128)x;
}

/* An f32 widens to f64 exactly, and both bounds are powers of two, so the f64 tests
 * decide the f32 cases too; the conversion itself is done from the original type. */
lathe_i128 __lathe_f32_to_i128_sat(float x) {
    double d = x;
    if (d != d || d >= LATHE_TWO_127 || d < -LATHE_TWO_127)
        return lathe_to_i128_sat(d);
    return (lathe_i128)x;
}

lathe_i128 __lathe_f64_to_i128_sat(double x) {
    return lathe_to_i128_sat(x);
}

lathe_u128 __lathe_f32_to_u128_sat(float x) {
    double d = x;
    if (d != d || d <= -1.0 || d >= LATHE_TWO_128 || d < 0.0)
        return lathe_to_u128_sat(d);
    return (lathe_u128)x;
}

lathe_u128 __lathe_f64_to_u128_sat(double x) {
    return lathe_to_u128_sat(x);
}
