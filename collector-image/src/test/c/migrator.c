/*
 * Ground truth for records that arrive out of order across CPUs: exec's on one CPU, then moves to
 * another and loads libm there, so the library's MMAP2 record lands in a different CPU's ring
 * buffer than the exec's COMM record. Burns <millis> ms of CPU in libm's cos() and prints
 * "pid=<pid> cpu=<cpu it ran on>". Starts when a line arrives on stdin (after the exec CPU is set),
 * so the test can start the recording first.
 *
 * usage: migrator <exec-cpu> <library-cpu> <millis>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("sched_setaffinity");
        exit(2);
    }
}

static long long cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc == 4) {
        char line[16];
        pin(atoi(argv[1]));
        if (fgets(line, sizeof line, stdin) == NULL) {
            return 2;
        }
        execl(argv[0], argv[0], argv[1], argv[2], argv[3], "exec'd", (char *) NULL);
        perror("execl");
        return 2;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: migrator <exec-cpu> <library-cpu> <millis>\n");
        return 2;
    }
    /* Leaving the CPU set moves the process at once, before the loader maps libm. */
    pin(atoi(argv[2]));
    void *libm = dlopen("libm.so.6", RTLD_NOW);
    if (libm == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    double (*cosine)(double) = (double (*)(double)) dlsym(libm, "cos");
    volatile double sink = 0;
    double x = 0;
    long long until = cpu_now() + atoll(argv[3]) * 1000000LL;
    while (cpu_now() < until) {
        for (int i = 0; i < 10000; i++) {
            sink += cosine(x);
            x += 0.001;
        }
    }
    printf("pid=%d cpu=%d\n", getpid(), sched_getcpu());
    return 0;
}
