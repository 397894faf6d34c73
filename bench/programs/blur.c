/* blur: smooths an 8-bit grayscale image (pixels from a fixed-seed LCG) with the
 * separable [1 2 1] / 4 filter, rounded, a number of times, and prints a checksum of
 * the result. Built with -msimd128 it uses the wasm_simd128.h intrinsics, 16 pixels at
 * a time; otherwise plain C (which a native compiler vectorises itself). Both compute
 * exactly the same integers.
 * Argument n: passes over a 1024 x 768 image, at most 100000 (default 4000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

enum { W = 1024, H = 768 };

static uint64_t lcg_state = 0x9e3779b97f4a7c15ULL;

static uint8_t rnd8(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint8_t)(lcg_state >> 56);
}

/* (a + 2b + c + 2) / 4, which stays within 0..255. */
static uint8_t mix(unsigned a, unsigned b, unsigned c) {
    return (uint8_t)((a + 2 * b + c + 2) >> 2);
}

#ifdef __wasm_simd128__
/* The same on 16 pixels: widened to 16 bits, mixed, narrowed back. */
static v128_t mix16(v128_t a, v128_t b, v128_t c) {
    v128_t two = wasm_i16x8_splat(2);
    v128_t lo = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(a), wasm_u16x8_extend_low_u8x16(c)),
                               wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(b), 1));
    v128_t hi = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(a), wasm_u16x8_extend_high_u8x16(c)),
                               wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(b), 1));
    lo = wasm_u16x8_shr(wasm_i16x8_add(lo, two), 2);
    hi = wasm_u16x8_shr(wasm_i16x8_add(hi, two), 2);
    return wasm_u8x16_narrow_i16x8(lo, hi);
}
#endif

/* One row of the horizontal pass: edge pixels repeat. */
static void row_pass(const uint8_t *src, uint8_t *dst) {
    dst[0] = mix(src[0], src[0], src[1]);
    int x = 1;
#ifdef __wasm_simd128__
    for (; x + 16 <= W - 1; x += 16) {
        v128_t a = wasm_v128_load(src + x - 1), b = wasm_v128_load(src + x), c = wasm_v128_load(src + x + 1);
        wasm_v128_store(dst + x, mix16(a, b, c));
    }
#endif
    for (; x < W - 1; x++)
        dst[x] = mix(src[x - 1], src[x], src[x + 1]);
    dst[W - 1] = mix(src[W - 2], src[W - 1], src[W - 1]);
}

/* One row of the vertical pass, from the rows above, at and below it. */
static void column_pass(const uint8_t *up, const uint8_t *mid, const uint8_t *down, uint8_t *dst) {
    int x = 0;
#ifdef __wasm_simd128__
    for (; x + 16 <= W; x += 16)
        wasm_v128_store(dst + x, mix16(wasm_v128_load(up + x), wasm_v128_load(mid + x), wasm_v128_load(down + x)));
#endif
    for (; x < W; x++)
        dst[x] = mix(up[x], mid[x], down[x]);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000;
    if (n < 1)
        n = 1;
    if (n > 100000)
        n = 100000;
    uint8_t *img = malloc(W * H), *tmp = malloc(W * H);
    if (!img || !tmp)
        return 1;
    for (int i = 0; i < W * H; i++)
        img[i] = rnd8();
    for (int pass = 0; pass < n; pass++) {
        for (int y = 0; y < H; y++)
            row_pass(img + y * W, tmp + y * W);
        for (int y = 0; y < H; y++) {
            const uint8_t *up = tmp + (y > 0 ? y - 1 : 0) * W;
            const uint8_t *down = tmp + (y < H - 1 ? y + 1 : H - 1) * W;
            column_pass(up, tmp + y * W, down, img + y * W);
        }
        /* Keep some detail so later passes still do work: stir one row each pass. */
        for (int x = 0; x < W; x++)
            img[(pass % H) * W + x] ^= (uint8_t)(x * 37 + pass);
    }
    uint64_t sum = 0;
    for (int i = 0; i < W * H; i++)
        sum = sum * 31 + img[i];
    printf("blur %llu\n", (unsigned long long)sum);
    free(img);
    free(tmp);
    return 0;
}
