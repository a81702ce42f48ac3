import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.process.ProcessTable;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Four symbolization rounds over the JVMs whose pids are its arguments, as the collector runs them
 * (JitMapRequests.ofThisHost(), so each JVM is due again 30 s later), 31 s apart: round 1 with
 * every JVM running, then the first STOPPED JVMs are stopped (SIGSTOP) for rounds 2 and 3, which
 * ask them first, and let run again (SIGCONT) before round 4. Prints each round's wall time, the
 * requests sent and late, and how many running and how many once-stopped JVMs had a map written
 * during the round when it ended (their Java frames named from a fresh map). Run by bench/jit-round.sh against this tree's classes or an earlier revision's
 * JitMapRequests, through reflection: a revision with beginRound(Collection) is told the round's
 * JVMs at its start, one whose beginRound() returns nothing keeps its round per thread, one without
 * beginRound() waits on each request on its own.
 */
public class JitRound {

    private static final long GAP_MILLIS = 31_000;

    public static void main(String[] args) throws Exception {
        int stopped = Integer.parseInt(args[0]);
        ProcessTable processes = ProcessTable.ofThisHost();
        List<Integer> pids = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            pids.add(Integer.parseInt(args[i]));
            processes.sampled(Integer.parseInt(args[i]));
        }
        JitMapRequests requests = JitMapRequests.ofThisHost();
        for (int round = 1; round <= 4; round++) {
            if (round == 2 || round == 4) {
                for (int pid : pids.subList(0, stopped)) {
                    new ProcessBuilder("kill", round == 2 ? "-STOP" : "-CONT", Integer.toString(pid)).inheritIO().start().waitFor();
                }
            }
            if (round > 1) {
                Thread.sleep(GAP_MILLIS);
            }
            long start = System.nanoTime();
            long wallStart = System.currentTimeMillis();
            List<ProcessSnapshot> jvms = pids.stream().map(pid -> processes.process(pid).orElseThrow()).toList();
            Refresh refresh = beginRound(requests, jvms);
            for (ProcessSnapshot process : jvms) {
                refresh.refresh(process);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("round %d: %.2f s, sent %s, late %s; JVMs with a map written in the round: running %d of %d, once stopped %d of %d%n",
                    round, seconds, call(requests, "sent"), call(requests, "late"), fresh(pids.subList(stopped, pids.size()), wallStart),
                    pids.size() - stopped, fresh(pids.subList(0, stopped), wallStart), stopped);
        }
        System.out.println("refusals " + call(requests, "refusals") + ", unanswered " + call(requests, "unanswered"));
        System.exit(0);
    }

    private static int fresh(List<Integer> pids, long sinceMillis) throws Exception {
        int fresh = 0;
        for (int pid : pids) {
            Path map = Path.of("/tmp/perf-" + pid + ".map");
            if (Files.exists(map) && Files.getLastModifiedTime(map).toMillis() >= sinceMillis) {
                fresh++;
            }
        }
        return fresh;
    }

    private interface Refresh {
        void refresh(ProcessSnapshot process) throws Exception;
    }

    private static Refresh beginRound(JitMapRequests requests, List<ProcessSnapshot> processes) throws Exception {
        Object round;
        try {
            round = requests.getClass().getMethod("beginRound", Collection.class).invoke(requests, processes);
        } catch (NoSuchMethodException e) {
            Method begin;
            try {
                begin = requests.getClass().getMethod("beginRound");
            } catch (NoSuchMethodException none) {
                begin = null;
            }
            round = begin == null ? null : begin.invoke(requests);
        }
        Object target = round == null ? requests : round;
        Method refresh = target.getClass().getMethod("refresh", ProcessSnapshot.class);
        refresh.setAccessible(true);
        return process -> refresh.invoke(target, process);
    }

    private static Object call(JitMapRequests requests, String name) {
        try {
            return requests.getClass().getMethod(name).invoke(requests);
        } catch (ReflectiveOperationException e) {
            return "-";
        }
    }
}
