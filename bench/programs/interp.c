/* interp: a register-machine bytecode interpreter with switch dispatch. The
 * program is generated from a fixed-seed LCG: a loop body of 64 random
 * arithmetic, memory and conditional-skip instructions over 7 registers and a
 * 256-word memory, repeated n times by a decrement-and-branch instruction.
 * Prints a hash of the final registers and memory.
 * Argument n: number of loop iterations (default 10000000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum {
    OP_LOADI, /* r[a] = imm */
    OP_ADD,   /* r[a] = r[b] + r[c] */
    OP_SUB,   /* r[a] = r[b] - r[c] */
    OP_MUL,   /* r[a] = r[b] * r[c] */
    OP_XOR,   /* r[a] = r[b] ^ r[c] */
    OP_AND,   /* r[a] = r[b] & r[c] */
    OP_OR,    /* r[a] = r[b] | r[c] */
    OP_SHL,   /* r[a] = r[b] << (r[c] & 31) */
    OP_SHR,   /* r[a] = r[b] >> (r[c] & 31) */
    OP_ADDI,  /* r[a] = r[b] + imm */
    OP_ROTI,  /* r[a] = rotate left r[b] by imm (1..31) */
    OP_LOAD,  /* r[a] = mem[r[b] & 255] */
    OP_STORE, /* mem[r[b] & 255] = r[a] */
    OP_SKIPODD, /* if (r[a] & 1) pc += imm */
    OP_DECJNZ, /* if (--r[a] != 0) pc = imm */
    OP_HALT,
    NUM_OPS
};

typedef struct {
    uint8_t op, a, b, c;
    uint32_t imm;
} Insn;

#define BODY 64
#define NREGS 8
#define COUNTER 7 /* the loop counter, never written by the body */

static uint64_t lcg_state = 0x0123456789abcdefULL;

static uint32_t rnd(uint32_t bound) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((lcg_state >> 32) % bound);
}

static uint32_t run(const Insn *code, uint32_t *r, uint32_t *mem) {
    uint32_t pc = 0;
    uint32_t steps = 0;
    for (;;) {
        const Insn *i = &code[pc++];
        steps++;
        switch (i->op) {
        case OP_LOADI: r[i->a] = i->imm; break;
        case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
        case OP_SUB: r[i->a] = r[i->b] - r[i->c]; break;
        case OP_MUL: r[i->a] = r[i->b] * r[i->c]; break;
        case OP_XOR: r[i->a] = r[i->b] ^ r[i->c]; break;
        case OP_AND: r[i->a] = r[i->b] & r[i->c]; break;
        case OP_OR: r[i->a] = r[i->b] | r[i->c]; break;
        case OP_SHL: r[i->a] = r[i->b] << (r[i->c] & 31); break;
        case OP_SHR: r[i->a] = r[i->b] >> (r[i->c] & 31); break;
        case OP_ADDI: r[i->a] = r[i->b] + i->imm; break;
        case OP_ROTI: r[i->a] = (r[i->b] << i->imm) | (r[i->b] >> (32 - i->imm)); break;
        case OP_LOAD: r[i->a] = mem[r[i->b] & 255]; break;
        case OP_STORE: mem[r[i->b] & 255] = r[i->a]; break;
        case OP_SKIPODD:
            if (r[i->a] & 1)
                pc += i->imm;
            break;
        case OP_DECJNZ:
            if (--r[i->a] != 0)
                pc = i->imm;
            break;
        case OP_HALT: return steps;
        default: return 0;
        }
    }
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 10000000;
    if (n < 1)
        n = 1;
    Insn code[NREGS + BODY + 2];
    uint32_t len = 0;
    /* Prologue: initialise the registers, the counter last. */
    for (uint32_t k = 0; k < COUNTER; k++)
        code[len++] = (Insn){OP_LOADI, (uint8_t)k, 0, 0, rnd(0xffffffffu)};
    code[len++] = (Insn){OP_LOADI, COUNTER, 0, 0, (uint32_t)n};
    uint32_t body_start = len;
    for (uint32_t k = 0; k < BODY; k++) {
        Insn in;
        uint32_t left = BODY - 1 - k; /* instructions after this one in the body */
        in.op = (uint8_t)(OP_ADD + rnd(OP_SKIPODD - OP_ADD + 1));
        in.a = (uint8_t)rnd(COUNTER);
        in.b = (uint8_t)rnd(NREGS); /* sources may read the counter */
        in.c = (uint8_t)rnd(NREGS);
        in.imm = rnd(0xffffffffu);
        if (in.op == OP_ROTI)
            in.imm = 1 + rnd(31);
        if (in.op == OP_SKIPODD)
            in.imm = left < 3 ? left : 1 + rnd(3);
        code[len++] = in;
    }
    code[len++] = (Insn){OP_DECJNZ, COUNTER, 0, 0, body_start};
    code[len++] = (Insn){OP_HALT, 0, 0, 0, 0};

    uint32_t r[NREGS] = {0};
    uint32_t mem[256];
    for (uint32_t k = 0; k < 256; k++)
        mem[k] = k * 0x9e3779b9u;
    uint32_t steps = run(code, r, mem);

    uint64_t h = steps;
    for (uint32_t k = 0; k < NREGS; k++)
        h = h * 0x100000001b3ULL ^ r[k];
    for (uint32_t k = 0; k < 256; k++)
        h = h * 0x100000001b3ULL ^ mem[k];
    printf("interp %llu\n", (unsigned long long)h);
    return 0;
}
