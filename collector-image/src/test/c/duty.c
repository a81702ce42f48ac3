/*
 * Ground truth for attribution: burns CPU in scorch_duty_burn for <percent>% of every 10 ms
 * period and sleeps the rest, until killed. Its real CPU time is read from /proc/<pid>/schedstat
 * by the test, so the truth does not depend on how busy the machine is.
 *
 * usage: duty <percent>
 */
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static long long now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void scorch_duty_burn(long long until) {
    while (now() < until) {
        for (int i = 0; i < 1000; i++) {
            sink += (unsigned long) i * i;
        }
    }
}

int main(int argc, char **argv) {
    int percent = argc > 1 ? atoi(argv[1]) : 50;
    const long long period = 10000000LL;
    for (;;) {
        long long start = now();
        scorch_duty_burn(start + period * percent / 100);
        long long rest = start + period - now();
        if (rest > 0) {
            struct timespec ts = {0, rest};
            nanosleep(&ts, NULL);
        }
    }
}
