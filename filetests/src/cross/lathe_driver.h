/* The interface between the fixed part of a Lathe cross-run driver (lathe_driver.c) and
 * the part the filetest runner generates for each program (program.rs): the tables the
 * generated part defines. Included by both. */
#include <stdint.h>

/* The addresses of the functions of Lathe code, in the object's exported table. */
extern void *const __lathe_code[];
/* A trap site: a function (index into __lathe_code), the offset, the trap code's name. */
struct lathe_site {
    uint32_t func;
    uint32_t offset;
    const char *code;
};
/* One call: trampoline and callee (indices into __lathe_code), the slots of the buffer,
 * how many of them hold results, and the argument bytes. */
struct lathe_call {
    uint32_t tramp;
    uint32_t callee;
    uint32_t slots;
    uint32_t results;
    const unsigned char *args;
};

/* Generated: the size of each function of `__lathe_code`, the trap sites, the calls, and
 * the codes of the fallback rules. */
extern const uint32_t lathe_sizes[];
extern const uint32_t lathe_nfuncs;
extern const struct lathe_site lathe_sites[];
extern const uint32_t lathe_nsites;
extern const struct lathe_call lathe_calls[];
extern const uint32_t lathe_ncalls;
extern const char lathe_code_stack_overflow[], lathe_code_bad_access[], lathe_code_divide[], lathe_code_illegal[];

