/* Prints a small ASCII Mandelbrot set: floating-point loops compiled to Wasm, run by Lathe. */
#include <stdio.h>

int main(void) {
    const char *shades = " .:-=+*#%@";
    for (int row = 0; row < 24; row++) {
        char line[80];
        for (int col = 0; col < 78; col++) {
            double cr = -2.2 + col * (3.2 / 78.0);
            double ci = -1.2 + row * (2.4 / 24.0);
            double zr = 0.0, zi = 0.0;
            int n = 0;
            while (n < 200 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n++;
            }
            line[col] = shades[n >= 200 ? 9 : n % 9];
        }
        line[78] = '\0';
        puts(line);
    }
    return 0;
}
