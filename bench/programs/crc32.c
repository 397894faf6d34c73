/* crc32: table-driven CRC-32 (the reflected IEEE 802.3 polynomial 0xEDB88320,
 * one table lookup per byte) over a 256 KiB buffer filled from a fixed-seed
 * LCG, n times; after each pass one byte of the buffer is changed using the
 * CRC so far. Prints the CRC of the whole stream.
 * Argument n: number of passes over the buffer (default 2000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BUF_SIZE (256 * 1024)

static uint32_t table[256];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        table[i] = c;
    }
}

/* Continues a CRC (kept in its inverted form between calls). */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 2000;
    static uint8_t buf[BUF_SIZE];
    make_table();
    uint32_t s = 12345;
    for (size_t i = 0; i < BUF_SIZE; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (uint8_t)(s >> 16);
    }
    uint32_t crc = 0xffffffffu;
    for (int32_t i = 0; i < n; i++) {
        crc = crc_update(crc, buf, BUF_SIZE);
        buf[((uint32_t)i * 7919u) % BUF_SIZE] ^= (uint8_t)crc;
    }
    printf("crc32 %lu\n", (unsigned long)(crc ^ 0xffffffffu));
    return 0;
}
