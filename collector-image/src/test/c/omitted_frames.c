/*
 * A known call chain built -O2 -fomit-frame-pointer: main -> scorch_outer -> scorch_middle ->
 * scorch_leaf, where scorch_leaf burns the CPU. Every call is followed by more work in the
 * caller, so the compiler cannot turn it into a tail call and every frame is really on the stack.
 * Runs for argv[1] CPU-seconds (default 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) double scorch_leaf(double x) {
    for (int i = 0; i < 200000; i++) {
        x = x * 1.0000001 + 0.5 / (x + 1.0);
    }
    return x;
}

__attribute__((noinline)) double scorch_middle(double x) {
    double y = scorch_leaf(x);
    return y * 0.5 + x;
}

__attribute__((noinline)) double scorch_outer(double x, double seconds) {
    double acc = 0;
    double start = cpu_seconds();
    while (cpu_seconds() - start < seconds) {
        acc += scorch_middle(x + acc * 1e-9);
    }
    return acc;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    double result = scorch_outer(1.0, seconds);
    printf("result=%ld\n", (long) result);
    return 0;
}
