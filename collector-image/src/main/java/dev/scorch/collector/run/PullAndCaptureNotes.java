package dev.scorch.collector.run;

import java.util.List;

/**
 * What a policy's condition message adds about pulls and captures: the selected pods whose
 * profiles could not be fetched (the first few, with the reason and what to do), and the
 * number of captures with the last one. Pure, so the wording is tested without a node.
 */
final class PullAndCaptureNotes {

    /** Pods named in full; the rest are counted. */
    static final int NAMED_PODS = 3;

    private PullAndCaptureNotes() {}

    /**
     * @param problems the pods whose last pull failed
     * @param captures captures completed so far
     * @param last the last capture, null before the first
     * @return the text to append to the condition message, empty when there is nothing to say
     */
    static String of(List<PolicyPulls.PodProblem> problems, long captures, PolicyTriggers.LastCapture last) {
        StringBuilder notes = new StringBuilder();
        if (!problems.isEmpty()) {
            List<PolicyPulls.PodProblem> sorted = problems.stream().sorted(java.util.Comparator.comparing(PolicyPulls.PodProblem::pod)).toList();
            notes.append("; cannot pull Go profiles of ").append(sorted.size()).append(sorted.size() == 1 ? " pod: " : " pods: ");
            for (int i = 0; i < Math.min(NAMED_PODS, sorted.size()); i++) {
                PolicyPulls.PodProblem problem = sorted.get(i);
                notes.append(i == 0 ? "" : "; ").append(problem.pod()).append(" (").append(problem.reason()).append("): ")
                        .append(problem.message());
            }
            if (sorted.size() > NAMED_PODS) {
                notes.append("; and ").append(sorted.size() - NAMED_PODS).append(" more");
            }
        }
        if (captures > 0 && last != null) {
            notes.append("; triggered captures: ").append(captures).append(", last ").append(last.pod()).append('/')
                    .append(last.container()).append(" on ").append(last.trigger()).append(' ').append(last.value()).append(" at ")
                    .append(last.at());
        }
        return notes.toString();
    }
}
