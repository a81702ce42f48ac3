package dev.scorch.collector.budget;

/**
 * What parsing one object of node-controlled input (an ELF file, a Go pc/line table, a perf map, a
 * {@code /proc} or cgroup file) may cost: bytes read, work steps and retained heap, each charged by
 * the parser as it goes. Exceeding a limit throws {@link OverBudgetException} naming the parser
 * and the limit, so a hostile file costs a bounded amount once and is then remembered as rejected
 * ({@link ParseRejections}).
 *
 * <p>An object budget may draw on a node-wide {@link TotalBudget} too: every charge counts against
 * both. Not thread-safe: one budget per parse.
 */
public final class ParseBudget {

    /**
     * Reads are charged at least this much: a scan that reads a few bytes per system call costs its
     * calls, not only its bytes.
     */
    static final long MINIMUM_READ_CHARGE = 4096;

    /**
     * Per-object limits.
     *
     * @param parser the name in metrics and messages, e.g. {@code elf}
     * @param readBytes bytes read from the file (each read charged at least {@value #MINIMUM_READ_CHARGE})
     * @param steps loop iterations over file-controlled counts (entries, bytes scanned)
     * @param heapBytes heap retained or allocated at once by the parse
     */
    public record Limits(String parser, long readBytes, long steps, long heapBytes) {}

    private final Limits limits;
    private final TotalBudget total;
    private long read;
    private long steps;
    private long heap;

    private ParseBudget(Limits limits, TotalBudget total) {
        this.limits = limits;
        this.total = total;
    }

    /** A budget for one object, not drawing on a node-wide one. */
    public static ParseBudget of(Limits limits) {
        return new ParseBudget(limits, null);
    }

    /** A budget for one object that also draws on {@code total}. */
    public static ParseBudget of(Limits limits, TotalBudget total) {
        return new ParseBudget(limits, total);
    }

    public String parser() {
        return limits.parser();
    }

    /** Charges a read of {@code bytes} from the file. */
    public void read(long bytes) throws OverBudgetException {
        long charge = Math.max(bytes, MINIMUM_READ_CHARGE);
        read = charge(read, charge, limits.readBytes(), "read_bytes");
        if (total != null) {
            total.read(limits.parser(), charge);
        }
    }

    /** Charges {@code count} steps of work. */
    public void steps(long count) throws OverBudgetException {
        steps = charge(steps, count, limits.steps(), "steps");
        if (total != null) {
            total.steps(limits.parser(), count);
        }
    }

    /** Charges {@code bytes} of heap that the parse allocates. */
    public void heap(long bytes) throws OverBudgetException {
        heap = charge(heap, bytes, limits.heapBytes(), "heap_bytes");
    }

    /**
     * Refuses a structural count the file declares (sections, symbol tables, entries) above {@code
     * max}, under the limit's own name, before any work is done for it.
     */
    public void require(String limit, long declared, long max) throws OverBudgetException {
        if (declared < 0 || declared > max) {
            throw new OverBudgetException(limits.parser(), limit, declared, max, false);
        }
    }

    public long readBytes() {
        return read;
    }

    public long stepCount() {
        return steps;
    }

    public long heapBytes() {
        return heap;
    }

    private long charge(long spent, long amount, long limit, String name) throws OverBudgetException {
        long now = spent + Math.max(0, amount);
        if (now < 0 || now > limit) {
            throw new OverBudgetException(limits.parser(), name, now < 0 ? Long.MAX_VALUE : now, limit, false);
        }
        return now;
    }
}
