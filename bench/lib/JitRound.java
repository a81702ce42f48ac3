import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.process.ProcessTable;

import java.util.ArrayList;
import java.util.List;

/**
 * Two symbolization rounds 5 s apart over the JVMs whose pids are its arguments, as the collector runs them
 * (JitMapRequests.ofThisHost()); prints each round's wall time and what was asked. Run by
 * bench/jit-round.sh against this tree's classes or an earlier revision's JitMapRequests, which
 * may have no rounds: then each request is waited for on its own, as that revision did.
 */
public class JitRound {

    public static void main(String[] args) throws Exception {
        ProcessTable processes = ProcessTable.ofThisHost();
        List<Integer> pids = new ArrayList<>();
        for (String arg : args) {
            pids.add(Integer.parseInt(arg));
            processes.sampled(Integer.parseInt(arg));
        }
        JitMapRequests requests = JitMapRequests.ofThisHost();
        var beginRound = beginRound(requests);
        for (int round = 1; round <= 2; round++) {
            if (round > 1) {
                Thread.sleep(5_000); // the rest of an interval
            }
            long start = System.nanoTime();
            if (beginRound != null) {
                beginRound.invoke(requests);
            }
            for (int pid : pids) {
                requests.refresh(processes.process(pid).orElseThrow());
            }
            System.out.printf("round %d: %.2f s waiting on %d JVMs; maps written so far %d%s%n", round, (System.nanoTime() - start) / 1e9,
                    pids.size(), requests.written(), beginRound == null ? "" : ", sent " + call(requests, "sent") + ", late " + call(requests, "late"));
        }
        System.exit(0);
    }

    private static java.lang.reflect.Method beginRound(JitMapRequests requests) {
        try {
            requests.getClass().getMethod("sent");
            return requests.getClass().getMethod("beginRound");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Object call(JitMapRequests requests, String name) throws Exception {
        return requests.getClass().getMethod(name).invoke(requests);
    }
}
