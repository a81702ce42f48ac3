/*
 * Ground truth for sampling accuracy: one thread alternates between two functions with the same
 * loop body, scorch_hot three times as many iterations as scorch_cold, and measures the thread CPU
 * time each function really took. Runs until the two functions have used <cpu-seconds> of CPU
 * (so a loaded machine changes how long it takes, not how many samples it yields), at most two
 * minutes, or until SIGTERM/SIGINT. Prints "hot_ns=<n> cold_ns=<n>" when done.
 *
 * usage: split <cpu-seconds> [cpu] [max-seconds]   (cpu pins the thread, -1: no pinning; max-seconds
 *        is the wall-clock limit, default 120)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static volatile sig_atomic_t stopped;

static void stop(int signal) {
    (void) signal;
    stopped = 1;
}

__attribute__((noinline)) void scorch_hot(long iterations) {
    for (long i = 0; i < iterations; i++) {
        sink += (unsigned long) i * i;
    }
}

__attribute__((noinline)) void scorch_cold(long iterations) {
    for (long i = 0; i < iterations; i++) {
        sink += (unsigned long) i * i;
    }
}

static long long now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5;
    int cpu = argc > 2 ? atoi(argv[2]) : -1;
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            perror("sched_setaffinity");
            return 2;
        }
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    const long chunk = 200000;
    long long hot = 0, cold = 0;
    long long target = (long long) (seconds * 1e9);
    long long deadline = now(CLOCK_MONOTONIC) + (argc > 3 ? atoll(argv[3]) : 120) * 1000000000LL;
    printf("ready pid=%d\n", (int) getpid());
    fflush(stdout);
    while (!stopped && hot + cold < target && now(CLOCK_MONOTONIC) < deadline) {
        long long t0 = now(CLOCK_THREAD_CPUTIME_ID);
        scorch_hot(3 * chunk);
        long long t1 = now(CLOCK_THREAD_CPUTIME_ID);
        scorch_cold(chunk);
        long long t2 = now(CLOCK_THREAD_CPUTIME_ID);
        hot += t1 - t0;
        cold += t2 - t1;
    }
    printf("hot_ns=%lld cold_ns=%lld\n", hot, cold);
    return 0;
}
