/* spectralnorm: estimates the spectral norm (largest singular value) of the
 * infinite matrix A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1) truncated to n x n,
 * by 10 steps of the power method on A^T A, in double precision.
 * Argument n: matrix size (default 4400). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double a(int32_t i, int32_t j) {
    /* Computed in double: (i+j)(i+j+1)/2 overflows int32 for large n. */
    double s = (double)i + (double)j;
    return 1.0 / (s * (s + 1.0) * 0.5 + (double)i + 1.0);
}

/* out = A * v */
static void mul_a(int32_t n, const double *v, double *out) {
    for (int32_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (int32_t j = 0; j < n; j++)
            sum += a(i, j) * v[j];
        out[i] = sum;
    }
}

/* out = A^T * v */
static void mul_at(int32_t n, const double *v, double *out) {
    for (int32_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (int32_t j = 0; j < n; j++)
            sum += a(j, i) * v[j];
        out[i] = sum;
    }
}

/* out = A^T * A * v, using tmp */
static void mul_ata(int32_t n, const double *v, double *out, double *tmp) {
    mul_a(n, v, tmp);
    mul_at(n, tmp, out);
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 4400;
    if (n < 1)
        n = 1;
    double *u = malloc(sizeof(double) * (size_t)n);
    double *v = malloc(sizeof(double) * (size_t)n);
    double *tmp = malloc(sizeof(double) * (size_t)n);
    if (!u || !v || !tmp)
        return 1;
    for (int32_t i = 0; i < n; i++)
        u[i] = 1.0;
    for (int k = 0; k < 10; k++) {
        mul_ata(n, u, v, tmp);
        mul_ata(n, v, u, tmp);
    }
    double vbv = 0.0, vv = 0.0;
    for (int32_t i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("spectralnorm %.9f\n", sqrt(vbv / vv));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
