package dev.scorch.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Our own structured mutator, run as ordinary tests beside the Jazzer targets: seeded (a failure
 * repeats with its seed), it mutates valid seed inputs the way hostile files break parsers -
 * truncation, bit flips, a slice repeated until the input is megabytes, digit runs, deep nesting,
 * NUL/CR/LF - and checks that each input costs the parser at most a bounded allocation, so a
 * memory blow-up fails here rather than on a node.
 */
public final class HostileInputs {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int MAX_GROWN_BYTES = 4 << 20;

    /**
     * The longest input Jazzer generates for a fuzz target's {@code byte[]} (its mutator stops at
     * 1,000 bytes unless the parameter says otherwise: {@code byte @WithLength(max = ...) []}).
     */
    public static final int MAX_FUZZ_BYTES = 4 << 20;

    /** What a target does with one input; it may throw only the exceptions the caller allows. */
    public interface Target {
        void accept(byte[] input) throws Exception;
    }

    private HostileInputs() {}

    /** {@code count} mutants of the seeds, the seeds themselves first. */
    public static List<byte[]> mutants(List<byte[]> seeds, int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>(seeds);
        for (int i = 0; i < count; i++) {
            byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
            int rounds = 1 + random.nextInt(3);
            for (int r = 0; r < rounds; r++) {
                input = mutate(input, random);
            }
            out.add(input);
        }
        return out;
    }

    public static List<byte[]> seeds(String... texts) {
        return Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Runs every mutant through {@code target}; each may end normally or with one of {@code
     * allowed}, and may allocate at most {@code maxAllocatedBytes} on this thread.
     */
    @SafeVarargs
    public static void survive(List<byte[]> inputs, long maxAllocatedBytes, Target target, Class<? extends Exception>... allowed) {
        warmUp(inputs, target);
        for (int i = 0; i < inputs.size(); i++) {
            byte[] input = inputs.get(i);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                target.accept(input);
            } catch (Exception e) {
                if (Arrays.stream(allowed).noneMatch(type -> type.isInstance(e))) {
                    throw new AssertionError("input " + i + " (" + input.length + " bytes) threw " + e, e);
                }
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by input %d of %d bytes", i, input.length).isLessThan(maxAllocatedBytes);
        }
    }

    /**
     * The first call loads and initializes the parser's classes (under Jazzer also instruments
     * them: 149 MB for the collector.json parser), an allocation no later input pays; it is made
     * once before anything is measured. What the input does is checked again in the loop.
     */
    private static void warmUp(List<byte[]> inputs, Target target) {
        if (inputs.isEmpty()) {
            return;
        }
        try {
            target.accept(inputs.getFirst());
        } catch (Exception checkedInTheLoop) {
            // the loop asserts which exceptions are allowed
        }
    }

    private static byte[] mutate(byte[] input, Random random) {
        if (input.length == 0) {
            return new byte[] {(byte) random.nextInt()};
        }
        return switch (random.nextInt(8)) {
            case 0 -> Arrays.copyOf(input, random.nextInt(input.length));
            case 1 -> {
                byte[] flipped = input.clone();
                for (int i = 0; i < 1 + random.nextInt(8); i++) {
                    flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield flipped;
            }
            case 2 -> grow(input, random);
            case 3 -> insert(input, random, "9".repeat(1 + random.nextInt(3000)).getBytes(StandardCharsets.US_ASCII));
            case 4 -> insert(input, random, ("[".repeat(2000) + "{\"a\":".repeat(500)).getBytes(StandardCharsets.US_ASCII));
            case 5 -> insert(input, random, new byte[] {0});
            case 6 -> insert(input, random, new byte[] {'\r', '\n'});
            default -> {
                byte[] noisy = input.clone();
                for (int i = 0; i < 16; i++) {
                    noisy[random.nextInt(noisy.length)] = (byte) random.nextInt();
                }
                yield noisy;
            }
        };
    }

    /** Repeats one slice of the input until it is up to {@value #MAX_GROWN_BYTES} bytes: huge tables, long lines. */
    private static byte[] grow(byte[] input, Random random) {
        int from = random.nextInt(input.length);
        int length = 1 + random.nextInt(Math.min(256, input.length - from));
        int target = Math.min(MAX_GROWN_BYTES, input.length + (1 << (10 + random.nextInt(12))));
        int at = from + length;
        int tail = input.length - at;
        int middle = Math.max(0, target - at - tail);
        byte[] grown = new byte[at + middle + tail];
        System.arraycopy(input, 0, grown, 0, at);
        for (int i = 0; i < middle; i++) {
            grown[at + i] = input[from + i % length];
        }
        System.arraycopy(input, at, grown, at + middle, tail);
        return grown;
    }

    private static byte[] insert(byte[] input, Random random, byte[] piece) {
        int at = random.nextInt(input.length + 1);
        byte[] out = new byte[input.length + piece.length];
        System.arraycopy(input, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(input, at, out, at + piece.length, input.length - at);
        return out;
    }
}
