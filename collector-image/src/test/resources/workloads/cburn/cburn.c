/* Ground-truth workload for symbolization tests: a static and a global function at known symbols. */
#include <stdio.h>
#include <string.h>

static __attribute__((noinline)) long burn_static(long n) {
    long s = 0;
    for (long i = 0; i < n; i++) s += i % 13;
    return s;
}

__attribute__((noinline)) long burn_global(long n) {
    return burn_static(n) + 1;
}

/* volatile: each call depends on and stores it, so the compiler can neither drop nor hoist the pure call */
volatile long sink;

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        for (;;) sink = burn_global((1L << 24) + (sink & 1)); /* reads sink: the call cannot be hoisted */
    }
    printf("%ld\n", burn_global(1000));
    return 0;
}
