/* nbody: simulates a small planetary system (one heavy central body and four
 * light bodies on roughly circular orbits, positions/masses from a fixed-seed
 * LCG) with a symplectic Euler integrator in double precision, and prints the
 * total energy after the run.
 * Argument n: number of time steps (default 20000000). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NB 5

typedef struct {
    double x, y, z, vx, vy, vz, m;
} Body;

static uint64_t lcg_state = 0x853c49e6748fea9bULL;

/* A double in [0, 1) with 24 random bits (exactly representable). */
static double rnd(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(uint32_t)(lcg_state >> 40) / 16777216.0;
}

static double energy(const Body *b) {
    double e = 0.0;
    for (int i = 0; i < NB; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < NB; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void step(Body *b, double dt) {
    for (int i = 0; i < NB; i++) {
        for (int j = i + 1; j < NB; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            double mi = b[i].m * mag, mj = b[j].m * mag;
            b[i].vx -= dx * mj; b[i].vy -= dy * mj; b[i].vz -= dz * mj;
            b[j].vx += dx * mi; b[j].vy += dy * mi; b[j].vz += dz * mi;
        }
    }
    for (int i = 0; i < NB; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 20000000;
    Body b[NB];
    /* Central body at rest at the origin, unit mass (G = 1). */
    b[0].x = b[0].y = b[0].z = 0.0;
    b[0].vx = b[0].vy = b[0].vz = 0.0;
    b[0].m = 1.0;
    for (int i = 1; i < NB; i++) {
        double r = 1.0 + 0.8 * i + 0.2 * rnd();
        /* Start on a diagonal of the x/y quadrants, slightly out of plane. */
        double sx = (i & 1) ? 1.0 : -1.0, sy = (i & 2) ? 1.0 : -1.0;
        double c = sqrt(0.5);
        b[i].x = sx * c * r;
        b[i].y = sy * c * r;
        b[i].z = 0.05 * (rnd() - 0.5);
        double v = sqrt(1.0 / r) * (0.95 + 0.1 * rnd());
        /* Tangential velocity: (x, y) rotated by 90 degrees. */
        b[i].vx = -sy * c * v;
        b[i].vy = sx * c * v;
        b[i].vz = 0.01 * (rnd() - 0.5);
        b[i].m = 1e-3 * (0.1 + rnd());
    }
    /* Remove the total momentum by adjusting the central body. */
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 1; i < NB; i++) {
        px += b[i].m * b[i].vx;
        py += b[i].m * b[i].vy;
        pz += b[i].m * b[i].vz;
    }
    b[0].vx = -px / b[0].m;
    b[0].vy = -py / b[0].m;
    b[0].vz = -pz / b[0].m;

    double e0 = energy(b);
    for (int32_t s = 0; s < n; s++)
        step(b, 0.001);
    double e1 = energy(b);
    /* Energy after the run, plus the final position of one body. */
    printf("nbody %.9f\n", e1 - e0 + b[1].x);
    return 0;
}
