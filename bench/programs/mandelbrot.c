/* mandelbrot: counts the points of an n x n grid over the rectangle
 * [-2, 0.5] x [-1.25, 1.25] of the complex plane that stay bounded
 * (|z| <= 2) for 200 iterations of z = z^2 + c, in double precision.
 * Argument n: grid size (default 2600). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ITER 200

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 2600;
    if (n < 1)
        n = 1;
    double step = 2.5 / (double)n;
    uint32_t inside = 0;
    for (int32_t y = 0; y < n; y++) {
        double ci = -1.25 + (double)y * step;
        for (int32_t x = 0; x < n; x++) {
            double cr = -2.0 + (double)x * step;
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            int it = 0;
            while (it < MAX_ITER && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            if (it == MAX_ITER)
                inside++;
        }
    }
    printf("mandelbrot %lu\n", (unsigned long)inside);
    return 0;
}
