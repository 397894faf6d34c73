/* matmul: multiplies two n x n matrices of doubles (entries from a fixed-seed
 * LCG, in [-1, 1)) with the i-k-j loop order, and prints the sum of all the
 * entries of the product weighted by (i + 2j) mod 7 + 1.
 * Argument n: matrix size, at most 1550 (default 1500). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg_state = 0x2545f4914f6cdd1dULL;

/* A double in [-1, 1) with 24 random bits (exactly representable). */
static double rnd(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(uint32_t)(lcg_state >> 40) / 8388608.0 - 1.0;
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 1500;
    if (n < 1)
        n = 1;
    if (n > 1550)
        n = 1550;
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof(double));
    double *b = malloc(nn * sizeof(double));
    double *c = malloc(nn * sizeof(double));
    if (!a || !b || !c)
        return 1;
    for (size_t i = 0; i < nn; i++)
        a[i] = rnd();
    for (size_t i = 0; i < nn; i++)
        b[i] = rnd();
    memset(c, 0, nn * sizeof(double));
    for (int32_t i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (int32_t k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            const double *bk = b + (size_t)k * n;
            for (int32_t j = 0; j < n; j++)
                ci[j] += aik * bk[j];
        }
    }
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < n; j++)
            sum += c[(size_t)i * n + j] * (double)((i + 2 * j) % 7 + 1);
    printf("matmul %.9f\n", sum);
    free(a);
    free(b);
    free(c);
    return 0;
}
