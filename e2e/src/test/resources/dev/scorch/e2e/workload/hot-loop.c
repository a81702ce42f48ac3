/*
 * A workload with one known hot function: HOT_FUNCTION (a macro set by the compiler command, so
 * each workload's profile names its own function) burns CPU for BUSY_MS of every PERIOD_MS, called
 * from main through a second named frame so stacks have a known shape. Built with frame pointers.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#ifndef HOT_FUNCTION
#error "compile with -DHOT_FUNCTION=<name>"
#endif

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

volatile uint64_t sink;

__attribute__((noinline)) uint64_t HOT_FUNCTION(uint64_t busy_ns) {
    uint64_t start = now_ns();
    uint64_t x = sink;
    do {
        for (int i = 0; i < 100000; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
        }
    } while (now_ns() - start < busy_ns);
    sink = x;
    return x;
}

__attribute__((noinline)) void serve_forever(uint64_t busy_ms, uint64_t period_ms) {
    struct timespec idle = { 0, (long) ((period_ms - busy_ms) * 1000000u) };
    for (;;) {
        HOT_FUNCTION(busy_ms * 1000000u);
        if (period_ms > busy_ms) {
            nanosleep(&idle, NULL);
        }
    }
}

int main(int argc, char **argv) {
    uint64_t busy_ms = argc > 1 ? strtoull(argv[1], NULL, 10) : 30;
    uint64_t period_ms = argc > 2 ? strtoull(argv[2], NULL, 10) : 100;
    serve_forever(busy_ms, period_ms);
    return 0;
}
