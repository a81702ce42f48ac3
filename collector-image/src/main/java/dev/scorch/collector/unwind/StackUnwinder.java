package dev.scorch.collector.unwind;

import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessLookup;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.elf.GoSpDeltas;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rebuilds a sample's user stack from its registers and stack copy, on the sampler thread, before
 * the stack is counted. Each step finds the frame's rule in its object's call-frame information;
 * code without any (JIT code, objects built without CFI) is stepped through its frame pointer when
 * that points into the stack copy; a Go leaf gets its caller from the pc/SP-delta table. Where a
 * step cannot be taken from the copy (the copy ends, a rule is unsupported, a Go frame is reached)
 * the kernel's frame-pointer callchain continues the stack if it passes through the last frame
 * found; otherwise the stack ends there. Every return address must point into an executable
 * mapping of the process and every frame must lie above the previous one: a stack is cut short
 * rather than given an invented frame.
 */
public final class StackUnwinder {

    /** Enough for any real stack; the kernel's own limit is 127 frames. */
    static final int MAX_FRAMES = 512;
    private static final int KEEP_KERNEL_CHAIN = -1;
    /** Mappings whose unwind information is kept on the unwinder's own thread (a power of two). */
    private static final int OBJECT_SLOTS = 64;

    private final ProcessLookup processes;
    private final UnwindInfoCache objects;
    private final long[] frames = new long[MAX_FRAMES];
    private final long[] word = new long[1];
    /**
     * The unwind information last found for a mapping, by the mapping's identity (a forked child
     * shares its parent's): a sample's frames mostly lie in objects the previous samples used, and
     * the cache behind it takes a lock and a hash lookup per call. Emptied when the cache evicts.
     */
    private final Mapping[] objectKeys = new Mapping[OBJECT_SLOTS];
    private final ObjectUnwindInfo[] objectValues = new ObjectUnwindInfo[OBJECT_SLOTS];
    private long objectsGeneration;
    private final AtomicLong unwound = new AtomicLong();
    private final AtomicLong framePointerOnly = new AtomicLong();
    private final AtomicLong goLeafCallers = new AtomicLong();

    public StackUnwinder(ProcessLookup processes, UnwindInfoCache objects) {
        this.processes = processes;
        this.objects = objects;
    }

    /**
     * An unwinder for samples with a stack copy of {@code userStackBytes}, or null when they carry none.
     *
     * @param objectFiles opens mapped object files, shared with the symbolizer
     */
    public static StackUnwinder forSamples(int userStackBytes, ProcessLookup processes, MappedObjects objectFiles) {
        return userStackBytes > 0 ? new StackUnwinder(processes, new UnwindInfoCache(objectFiles, UnwindInfoCache.Settings.defaults())) : null;
    }

    /** Samples whose user stack came from the unwinder. */
    public long unwound() {
        return unwound.get();
    }

    /** Samples that kept the kernel's frame-pointer callchain (no registers, no stack copy, nothing better found). */
    public long framePointerOnly() {
        return framePointerOnly.get();
    }

    /** Samples whose Go leaf got its caller from the SP-delta table. */
    public long goLeafCallers() {
        return goLeafCallers.get();
    }

    public UnwindInfoCache objects() {
        return objects;
    }

    /** Replaces the sample's user frames with the unwound stack when that is possible. One sample at a time (the sampler's drain lock). */
    public void unwind(SampleRecord sample) {
        if (!sample.hasUserRegisters() || sample.stackBytes() == 0 || sample.userDepth() == 0) {
            framePointerOnly.incrementAndGet();
            return;
        }
        ProcessSnapshot process = processes.process(sample.pid()).orElse(null);
        int depth = process == null ? KEEP_KERNEL_CHAIN : walk(sample, process);
        if (depth == KEEP_KERNEL_CHAIN) {
            framePointerOnly.incrementAndGet();
            return;
        }
        sample.replaceUserFrames(frames, depth);
        unwound.incrementAndGet();
    }

    private int walk(SampleRecord sample, ProcessSnapshot process) {
        long[] chain = sample.userIps();
        int chainDepth = sample.userDepth();
        long pc = sample.ip();
        long sp = sample.sp();
        long bp = sample.bp();
        boolean bpKnown = true;
        int n = 0;
        frames[n++] = pc;
        // The mapping of the return address, found when it was checked, and the last object's information: consecutive
        // frames mostly lie in the same object, and each lookup costs a tree search and a synchronized cache access.
        Mapping returnMapping = null;
        Mapping lastMapping = null;
        ObjectUnwindInfo lastInfo = null;
        for (boolean leaf = true; n < MAX_FRAMES; leaf = false) {
            long lookup = leaf ? pc : pc - 1;
            Mapping mapping = returnMapping != null ? returnMapping : process.mappingContaining(lookup);
            ObjectUnwindInfo info;
            if (mapping != null && mapping == lastMapping) {
                info = lastInfo;
            } else {
                info = mapping == null ? null : objectOf(process, mapping);
                lastMapping = mapping;
                lastInfo = info;
            }
            if (info == UnwindInfoCache.PENDING) {
                return splice(n, chain, chainDepth);
            }
            long link = info == null ? ObjectUnwindInfo.OUTSIDE : info.linkAddress(mapping, lookup);
            long rule = link == ObjectUnwindInfo.OUTSIDE ? UnwindRule.NONE : info.rule(link);
            if (info != null && info.isGo() && rule == UnwindRule.NONE) {
                return leaf ? goLeaf(sample, info, link, sp, process) : splice(n, chain, chainDepth);
            }
            long cfa;
            long returnAddressAt;
            switch (UnwindRule.cfaKind(rule)) {
                case UnwindRule.OUTERMOST -> {
                    return n;
                }
                case UnwindRule.CFA_RSP -> cfa = sp + UnwindRule.cfaOffset(rule);
                case UnwindRule.CFA_RBP -> {
                    if (!bpKnown) {
                        return splice(n, chain, chainDepth);
                    }
                    cfa = bp + UnwindRule.cfaOffset(rule);
                }
                case UnwindRule.CFA_PLT -> cfa = sp + 8 + ((pc & 15) >= UnwindRule.rbpOffset(rule) ? 8 : 0);
                case UnwindRule.NONE -> {
                    // No CFI here: the frame-pointer convention, if rbp points into the copied stack.
                    if (!bpKnown || Long.compareUnsigned(bp, sp) < 0 || !sample.readStack(bp, word)) {
                        return splice(n, chain, chainDepth);
                    }
                    cfa = bp + 16;
                    rule = UnwindRule.of(UnwindRule.CFA_RBP, 16, UnwindRule.RBP_AT_CFA, -16, -8);
                }
                default -> {
                    return splice(n, chain, chainDepth);
                }
            }
            returnAddressAt = cfa + UnwindRule.returnAddressOffset(rule);
            if (Long.compareUnsigned(cfa, sp) <= 0 || !sample.readStack(returnAddressAt, word)) {
                return splice(n, chain, chainDepth);
            }
            long returnAddress = word[0];
            if (returnAddress == 0) {
                return n; // the end of the stack: thread entry points clear the return address
            }
            returnMapping = process.mappingContaining(returnAddress - 1);
            if (returnMapping == null) {
                return splice(n, chain, chainDepth);
            }
            switch (UnwindRule.rbpRule(rule)) {
                case UnwindRule.RBP_AT_CFA -> {
                    bpKnown = sample.readStack(cfa + UnwindRule.rbpOffset(rule), word);
                    bp = word[0];
                }
                case UnwindRule.RBP_UNKNOWN -> bpKnown = false;
                default -> {
                    // rbp keeps its value in the caller
                }
            }
            sp = cfa;
            pc = returnAddress;
            frames[n++] = pc;
        }
        return n;
    }

    private ObjectUnwindInfo objectOf(ProcessSnapshot process, Mapping mapping) {
        long generation = objects.generation();
        if (generation != objectsGeneration) {
            Arrays.fill(objectKeys, null);
            Arrays.fill(objectValues, null);
            objectsGeneration = generation;
        }
        int slot = System.identityHashCode(mapping) & (OBJECT_SLOTS - 1);
        if (objectKeys[slot] == mapping) {
            return objectValues[slot];
        }
        ObjectUnwindInfo info = objects.forMapping(process, mapping);
        if (info != UnwindInfoCache.PENDING) {
            objectKeys[slot] = mapping;
            objectValues[slot] = info;
        }
        return info;
    }

    /**
     * A Go function sampled before it saved rbp (a frameless leaf, or in its prologue or
     * epilogue): the kernel's walk follows the caller's rbp and skips the caller. The pcsp table
     * gives the stack pointer's distance from the return address, which is the caller. Go keeps
     * frame pointers, so the kernel's chain is right from there on.
     */
    private int goLeaf(SampleRecord sample, ObjectUnwindInfo info, long link, long sp, ProcessSnapshot process) {
        long[] chain = sample.userIps();
        int chainDepth = sample.userDepth();
        int delta = info.goSpDelta(link);
        if (delta == GoSpDeltas.UNKNOWN || delta < 0 || !sample.readStack(sp + delta, word)) {
            return KEEP_KERNEL_CHAIN;
        }
        long caller = word[0];
        if ((chainDepth >= 2 && chain[1] == caller) || caller == 0 || process.mappingContaining(caller - 1) == null) {
            return KEEP_KERNEL_CHAIN;
        }
        int n = 0;
        frames[n++] = chain[0];
        frames[n++] = caller;
        for (int i = 1; i < chainDepth && n < MAX_FRAMES; i++) {
            frames[n++] = chain[i];
        }
        goLeafCallers.incrementAndGet();
        return n;
    }

    /**
     * Continues with the kernel's callchain after the last frame found, if the chain passes
     * through it (its frame-pointer walk is then valid from there); otherwise the stack ends.
     */
    private int splice(int n, long[] chain, int chainDepth) {
        if (n <= 1) {
            return KEEP_KERNEL_CHAIN;
        }
        long last = frames[n - 1];
        for (int k = 1; k < chainDepth; k++) {
            if (chain[k] == last) {
                for (int i = k + 1; i < chainDepth && n < MAX_FRAMES; i++) {
                    frames[n++] = chain[i];
                }
                return n;
            }
        }
        return n;
    }
}
