/* sieve: segmented sieve of Eratosthenes over [2, n] (odd numbers only, one
 * byte per odd number, 32 KiB segments), after a plain sieve of the primes up
 * to sqrt(n). Prints (count << 32) | (sum mod 2^32), where count is the number
 * of primes <= n and sum their sum.
 * Argument n: upper bound of the sieve, up to 2^31 - 1 (default 1000000000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEG 32768 /* odd numbers per segment */

int main(int argc, char **argv) {
    int32_t arg = argc > 1 ? atoi(argv[1]) : 1000000000;
    uint64_t n = arg < 0 ? 0 : (uint64_t)arg;
    uint64_t count = 0;
    uint32_t sum = 0;
    if (n >= 2) {
        count = 1; /* the prime 2 */
        sum = 2;
    }
    /* Odd base primes p with p * p <= n, by a plain sieve up to r = isqrt(n). */
    uint32_t r = 0;
    while ((uint64_t)(r + 1) * (r + 1) <= n)
        r++;
    uint8_t *small = calloc((size_t)r + 1, 1);
    uint32_t *base = malloc(sizeof(uint32_t) * ((size_t)r / 2 + 1));
    uint64_t *next = malloc(sizeof(uint64_t) * ((size_t)r / 2 + 1));
    uint8_t *seg = malloc(SEG);
    if (!small || !base || !next || !seg)
        return 1;
    uint32_t nbase = 0;
    for (uint32_t i = 3; i <= r; i += 2) {
        if (small[i])
            continue;
        base[nbase] = i;
        next[nbase] = (uint64_t)i * i; /* the first odd multiple still to mark */
        nbase++;
        for (uint64_t j = (uint64_t)i * i; j <= r; j += 2 * (uint64_t)i)
            small[j] = 1;
    }
    /* Segments of SEG odd numbers: seg[k] stands for lo + 2k. */
    for (uint64_t lo = 3; lo <= n; lo += 2 * (uint64_t)SEG) {
        uint64_t hi = lo + 2 * (uint64_t)SEG; /* exclusive */
        if (hi > n + 1)
            hi = n + 1;
        uint32_t len = (uint32_t)((hi - lo + 1) / 2);
        memset(seg, 0, len);
        for (uint32_t b = 0; b < nbase; b++) {
            uint64_t p2 = 2 * (uint64_t)base[b];
            uint64_t m = next[b];
            if (m >= hi)
                continue;
            for (; m < hi; m += p2)
                seg[(m - lo) / 2] = 1;
            next[b] = m;
        }
        for (uint32_t k = 0; k < len; k++) {
            if (!seg[k]) {
                count++;
                sum += (uint32_t)(lo + 2 * (uint64_t)k);
            }
        }
    }
    free(small);
    free(base);
    free(next);
    free(seg);
    printf("sieve %llu\n", (unsigned long long)((count << 32) | sum));
    return 0;
}
