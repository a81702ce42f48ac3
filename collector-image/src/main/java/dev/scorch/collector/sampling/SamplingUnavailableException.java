package dev.scorch.collector.sampling;

/** Sampling cannot start; {@link #getMessage()} is one sentence saying why and what to do. */
public final class SamplingUnavailableException extends Exception {

    private final SamplingProblem problem;

    public SamplingUnavailableException(SamplingProblem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public SamplingProblem problem() {
        return problem;
    }
}
