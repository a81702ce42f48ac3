package dev.scorch.collector.flamegraph;

import dev.scorch.collector.demangle.Demangler;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.CpuProfile.SampleLabel;
import dev.scorch.collector.profile.CpuProfileBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stacks merged into a tree of frames (root first), with sample totals per node: the flame graph's
 * data. A sample's process is its outermost frame; frames carry a kind the page colours by.
 */
final class CallTree {

    /** Frame kinds, used for colours: keep in step with the script's palette. */
    private static final int USER = 0;
    private static final int KERNEL = 1;
    private static final int UNRESOLVED = 2;
    private static final int PROCESS = 3;
    private static final int JIT = 4;

    final List<String> names = new ArrayList<>();
    final Map<String, Integer> nameIds = new HashMap<>();
    // Node arrays; node 0 is the root ("all").
    int[] name = new int[1024];
    int[] kind = new int[1024];
    long[] total = new long[1024];
    int[] firstChild = new int[1024];
    int[] nextSibling = new int[1024];
    int count;
    final Map<Long, Integer> childIndex = new HashMap<>();

    static CallTree of(CpuProfile profile) {
        CallTree tree = new CallTree();
        tree.node(-1, tree.nameId("all"), USER);
        String[] functionNames = profile.functions().stream().map(CpuProfile.ProfileFunction::name).toArray(String[]::new);
        Map<Long, int[]> frameCache = new HashMap<>();
        for (ProfileSample sample : profile.samples()) {
            int node = 0;
            tree.total[0] += sample.count();
            String process = processFrame(sample);
            if (process != null) {
                node = tree.child(node, tree.nameId(process), PROCESS);
                tree.total[node] += sample.count();
            }
            long[] locations = sample.locationIds();
            for (int i = locations.length - 1; i >= 0; i--) {
                int[] frames = frameCache.computeIfAbsent(locations[i], id -> tree.frames(profile, functionNames, id));
                // frames: pairs (name id, kind), outermost first
                for (int f = 0; f < frames.length; f += 2) {
                    if (frames[f + 1] == UNRESOLVED && tree.kind[node] == UNRESOLVED && tree.name[node] == frames[f]) {
                        continue; // unknown frames of one file in a row are one frame
                    }
                    node = tree.child(node, frames[f], frames[f + 1]);
                    tree.total[node] += sample.count();
                }
            }
        }
        return tree;
    }

    private static String processFrame(ProfileSample sample) {
        String comm = null;
        long pid = -1;
        for (SampleLabel label : sample.labels()) {
            if (label.key().equals("comm")) {
                comm = label.str();
            } else if (label.key().equals("pid")) {
                pid = label.num();
            }
        }
        if (pid < 0) {
            return null;
        }
        return (comm == null ? "pid" : comm) + " [" + pid + "]";
    }

    /** The frames of one location as (name id, kind) pairs, outermost (caller) first. */
    private int[] frames(CpuProfile profile, String[] functionNames, long locationId) {
        ProfileLocation location = profile.locations().get((int) locationId - 1);
        ProfileMapping mapping = location.mappingId() == 0 ? null : profile.mappings().get((int) location.mappingId() - 1);
        boolean kernel = mapping != null && mapping.file().equals(CpuProfileBuilder.KERNEL_MAPPING);
        long[] functions = location.functionIds();
        if (functions.length == 0) {
            return new int[] {nameId(unresolvedName(mapping)), UNRESOLVED};
        }
        int kindOfFrames = kernel ? KERNEL : jit(mapping) ? JIT : USER;
        int[] frames = new int[functions.length * 2];
        for (int i = 0; i < functions.length; i++) {
            int at = (functions.length - 1 - i) * 2; // innermost first in pprof, outermost first here
            frames[at] = nameId(Demangler.demangle(functionNames[(int) functions[i] - 1]));
            frames[at + 1] = kindOfFrames;
        }
        return frames;
    }

    /** Code generated at run time: anonymous memory, named only by a perf map. */
    private static boolean jit(ProfileMapping mapping) {
        return mapping != null && (mapping.file().startsWith("[anon") || mapping.file().startsWith("//anon")
                || mapping.file().startsWith("/memfd:"));
    }

    /**
     * One name per file for every address in it that has no symbol, so a process whose library
     * lacks symbols is one frame, not one sliver per address.
     */
    private static String unresolvedName(ProfileMapping mapping) {
        if (mapping == null) {
            return "[unknown]";
        }
        if (mapping.file().equals(CpuProfileBuilder.KERNEL_MAPPING)) {
            return "[unknown in kernel]";
        }
        String file = mapping.file();
        return "[unknown in " + file.substring(file.lastIndexOf('/') + 1) + "]";
    }

    int nameId(String value) {
        Integer id = nameIds.get(value);
        if (id == null) {
            id = names.size();
            names.add(value);
            nameIds.put(value, id);
        }
        return id;
    }

    int child(int parent, int nameId, int frameKind) {
        long key = ((long) parent << 32) | (nameId & 0xFFFFFFFFL);
        Integer existing = childIndex.get(key);
        if (existing != null) {
            return existing;
        }
        int created = node(parent, nameId, frameKind);
        childIndex.put(key, created);
        return created;
    }

    private int node(int parent, int nameId, int frameKind) {
        if (count == name.length) {
            int grown = count * 2;
            name = Arrays.copyOf(name, grown);
            kind = Arrays.copyOf(kind, grown);
            total = Arrays.copyOf(total, grown);
            firstChild = Arrays.copyOf(firstChild, grown);
            nextSibling = Arrays.copyOf(nextSibling, grown);
        }
        int id = count++;
        name[id] = nameId;
        kind[id] = frameKind;
        firstChild[id] = -1;
        nextSibling[id] = -1;
        if (parent >= 0) {
            nextSibling[id] = firstChild[parent];
            firstChild[parent] = id;
        }
        return id;
    }

    long total() {
        return total[0];
    }

    int nodeCount() {
        return count;
    }

    /**
     * Appends {@code depth,name,kind,total} per drawn node in preorder, children by descending
     * total, leaving out nodes under {@code minimumTotal}. Iterative: stacks can be thousands of
     * frames deep.
     */
    void appendPreorder(StringBuilder json, long minimumTotal) {
        int[] stack = new int[64];
        int[] depths = new int[64];
        int top = 0;
        stack[top] = 0;
        depths[top++] = 0;
        boolean first = true;
        List<Integer> children = new ArrayList<>();
        while (top > 0) {
            int node = stack[--top];
            int depth = depths[top];
            if (!first) {
                json.append(',');
            }
            first = false;
            json.append(depth).append(',').append(name[node]).append(',').append(kind[node]).append(',').append(total[node]);
            children.clear();
            for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
                if (total[c] >= minimumTotal) {
                    children.add(c);
                }
            }
            // Pushed in ascending order so the largest child pops (and is drawn) first, leftmost.
            children.sort((a, b) -> Long.compare(total[a], total[b]));
            for (int c : children) {
                if (top == stack.length) {
                    stack = Arrays.copyOf(stack, top * 2);
                    depths = Arrays.copyOf(depths, top * 2);
                }
                stack[top] = c;
                depths[top++] = depth + 1;
            }
        }
    }
}
