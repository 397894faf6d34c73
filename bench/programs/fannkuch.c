/* fannkuch: for every permutation of {0..n-1} (in lexicographic order), counts
 * the "pancake flips" needed to bring 0 to the front, where one flip reverses
 * the first p[0]+1 elements. Prints checksum * 100 + maxflips, where checksum
 * is the sum of flip counts with alternating sign (+ for even permutation
 * index, - for odd) and maxflips is the largest flip count.
 * Argument n: number of elements, 1..12 (default 11). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Rearranges p into the next permutation in lexicographic order; returns 0
 * when p was the last one. */
static int next_perm(int8_t *p, int n) {
    int i = n - 2;
    while (i >= 0 && p[i] >= p[i + 1])
        i--;
    if (i < 0)
        return 0;
    int j = n - 1;
    while (p[j] <= p[i])
        j--;
    int8_t t = p[i];
    p[i] = p[j];
    p[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) {
        t = p[l];
        p[l] = p[r];
        p[r] = t;
    }
    return 1;
}

static int count_flips(const int8_t *perm, int n) {
    int first = perm[0];
    if (first == 0)
        return 0;
    int8_t q[16];
    for (int i = 0; i < n; i++)
        q[i] = perm[i];
    int flips = 0;
    do {
        /* Reverse q[0..first]: q[first] comes to the front and first (the old
         * front) goes to q[first]. q[0] itself is never read, so it is not
         * stored; the front element is kept in `first`. */
        int8_t next = q[first];
        q[first] = (int8_t)first;
        for (int l = 1, r = first - 1; l < r; l++, r--) {
            int8_t t = q[l];
            q[l] = q[r];
            q[r] = t;
        }
        first = next;
        flips++;
    } while (first != 0);
    return flips;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 11;
    if (n < 1)
        n = 1;
    if (n > 12)
        n = 12;
    int8_t p[16];
    for (int i = 0; i < n; i++)
        p[i] = (int8_t)i;
    int64_t checksum = 0;
    int maxflips = 0;
    uint64_t index = 0;
    do {
        int f = count_flips(p, n);
        if (f > maxflips)
            maxflips = f;
        checksum += (index & 1) ? -f : f;
        index++;
    } while (next_perm(p, n));
    printf("fannkuch %lld\n", (long long)(checksum * 100 + maxflips));
    return 0;
}
