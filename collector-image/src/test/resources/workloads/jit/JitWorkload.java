/**
 * A ground-truth workload for JIT symbol tests, run without any profiling flag:
 * JitWorkload.scorchCaller calls JitWorkload.scorchHot in a loop for args[0] seconds; prints
 * "warm" after 3 s of its own CPU time, by when HotSpot has compiled both.
 */
public class JitWorkload {

    static long scorchHot(long seed) {
        long x = seed;
        for (int i = 0; i < 100_000; i++) {
            x = x * 6364136223846793005L + i;
        }
        return x;
    }

    static long scorchCaller(long until) {
        long acc = 0;
        boolean warm = false;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        while (System.nanoTime() < until) {
            acc += scorchHot(acc);
            if (!warm && threads.getCurrentThreadCpuTime() > 3_000_000_000L) {
                System.out.println("warm");
                System.out.flush();
                warm = true;
            }
        }
        return acc;
    }

    public static void main(String[] args) {
        long until = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        System.out.println("result " + scorchCaller(until));
    }
}
