/*
 * Ground truth for short-lived processes: forks <children> processes one after another; each
 * burns about <millis> ms of CPU in scorch_child_work and exits at once, so it is gone long
 * before anything reads /proc for it. Starts when a line arrives on stdin, so the test can set up
 * the recording first. Prints "children=<n>" when done.
 *
 * usage: forker <children> <millis>
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static long long cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void scorch_child_work(long long nanos) {
    long long until = cpu_now() + nanos;
    while (cpu_now() < until) {
        for (int i = 0; i < 1000; i++) {
            sink += (unsigned long) i * i;
        }
    }
}

int main(int argc, char **argv) {
    int children = argc > 1 ? atoi(argv[1]) : 50;
    long long millis = argc > 2 ? atoll(argv[2]) : 20;
    char go[8];
    if (fgets(go, sizeof go, stdin) == NULL) {
        return 2;
    }
    for (int i = 0; i < children; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            scorch_child_work(millis * 1000000LL);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
    }
    printf("children=%d\n", children);
    return 0;
}
