#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    char *sieve = calloc(n + 1, 1);
    int count = 0;
    for (int i = 2; i <= n; i++) {
        if (!sieve[i]) { count++; for (int j = 2 * i; j <= n; j += i) sieve[j] = 1; }
    }
    printf("%d primes up to %d\n", count, n);
    free(sieve);
    return 0;
}
