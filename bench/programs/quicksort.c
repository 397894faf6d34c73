/* quicksort: sorts n pseudo-random 32-bit signed integers (from a fixed-seed
 * LCG) with a hand-written quicksort (median-of-three pivot, Hoare partition,
 * insertion sort for short ranges), checks the order, and prints a position-
 * weighted hash of the sorted array (or -1 if it is not sorted).
 * Argument n: number of integers, at most 14000000 (default 12000000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        int32_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int32_t i, int32_t j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Sorts a[lo..hi] (inclusive). Recurses into the smaller part and loops on the
 * larger one, so the recursion depth stays logarithmic. */
static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo > 16) {
        int32_t mid = lo + (hi - lo) / 2;
        /* Order a[lo], a[mid], a[hi]; the median ends up in a[mid]. */
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        int32_t i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j)
                break;
            swap(a, i, j);
        }
        /* Now a[lo..j] <= pivot <= a[j+1..hi]. */
        if (j - lo < hi - j) {
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 12000000;
    if (n < 1)
        n = 1;
    if (n > 14000000)
        n = 14000000;
    int32_t *a = malloc(sizeof(int32_t) * (size_t)n);
    if (!a)
        return 1;
    uint64_t s = 42;
    for (int32_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        /* Top 31 bits, shifted to [-2^30, 2^30). */
        a[i] = (int32_t)(s >> 33) - 0x40000000;
    }
    quicksort(a, 0, n - 1);
    uint64_t h = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            printf("quicksort -1\n");
            return 1;
        }
        h = h * 1000003u + (uint32_t)a[i] + (uint32_t)i;
    }
    printf("quicksort %llu\n", (unsigned long long)h);
    free(a);
    return 0;
}
