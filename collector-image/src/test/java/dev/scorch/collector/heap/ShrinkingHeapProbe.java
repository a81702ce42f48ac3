package dev.scorch.collector.heap;

import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM of its own with the collector's flags: promotes about 30 MiB into the old
 * generation, lets all but about 5 MiB of it die, asks for one full GC and prints the committed
 * heap before and after it and the heap in use after it, in bytes: {@code <before> <after> <used>}.
 */
public final class ShrinkingHeapProbe {

    private ShrinkingHeapProbe() {}

    public static void main(String[] args) {
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            held.add(new byte[100_000]);
        }
        Runtime runtime = Runtime.getRuntime();
        long before = runtime.totalMemory();
        held.subList(50, held.size()).clear();
        System.gc();
        System.out.println(before + " " + runtime.totalMemory() + " " + (runtime.totalMemory() - runtime.freeMemory()));
        System.out.println(held.size());
    }
}
