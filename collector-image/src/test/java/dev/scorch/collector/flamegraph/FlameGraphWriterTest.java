package dev.scorch.collector.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.testenv.Tier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlameGraphWriterTest {

    @TempDir
    Path dir;

    /**
     * main -> hot (70 samples), main -> cold (20), main -> hot -> do_syscall_64 in the kernel (10);
     * function ids: 1 main, 2 hot, 3 cold, 4 do_syscall_64; locations likewise, plus 5 unresolved.
     */
    private static CpuProfile profile(String hotName) {
        List<ProfileMapping> mappings = List.of(new ProfileMapping(0x400000, 0x500000, 0, "/app/server", "abcd", true),
                new ProfileMapping(0xffffffff81000000L, 0xffffffff82000000L, 0, CpuProfileBuilder.KERNEL_MAPPING, "", true));
        List<ProfileFunction> functions = List.of(new ProfileFunction("main", "main", ""), new ProfileFunction(hotName, hotName, ""),
                new ProfileFunction("cold", "cold", ""), new ProfileFunction("do_syscall_64", "do_syscall_64", ""));
        List<ProfileLocation> locations = List.of(new ProfileLocation(1, 0x401000, new long[] {1}, new long[] {0}),
                new ProfileLocation(1, 0x402000, new long[] {2}, new long[] {0}), new ProfileLocation(1, 0x403000, new long[] {3}, new long[] {0}),
                new ProfileLocation(2, 0xffffffff81001000L, new long[] {4}, new long[] {0}),
                new ProfileLocation(1, 0x404abc, new long[0], new long[0]));
        List<ProfileSample> samples = List.of(new ProfileSample(new long[] {2, 1}, 70, List.of()),
                new ProfileSample(new long[] {3, 1}, 19, List.of()), new ProfileSample(new long[] {5, 3, 1}, 1, List.of()),
                new ProfileSample(new long[] {4, 2, 1}, 10, List.of()));
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("service_name", "shop/server");
        return new CpuProfile(labels, Instant.parse("2026-11-21T12:00:00Z"), Duration.ofSeconds(10), 10_000_000L, mappings, locations, functions,
                samples, List.of());
    }

    private String page(CpuProfile profile) {
        return FlameGraphWriter.render(profile);
    }

    /** Runs the page's script under node and returns what it shows after each action. */
    private String interact(String html, String actionsJson) throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("node").isPresent(), "node runs the flame graph's script in tests: apt-get install nodejs");
        Path file = dir.resolve("flame.html");
        Files.writeString(file, html);
        Path harness = dir.resolve("harness.js");
        try (InputStream in = getClass().getResourceAsStream("/flamegraph/harness.js")) {
            Files.copy(in, harness);
        }
        return ExternalTools.run(dir, "node", harness.toString(), file.toString(), actionsJson);
    }

    @Test
    void pageIsSelfContained() {
        String html = page(profile("hot"));

        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("http://").doesNotContain("https://").doesNotContain("src=")
                .doesNotContain("<link").doesNotContain("@import");
        assertThat(html).contains("CPU flame graph - shop/server");
    }

    @Test
    void pageCarriesEveryFrameAndNamesUnresolvedOnesByFileAndOffset() {
        String html = page(profile("hot"));

        assertThat(html).contains("\"main\"", "\"hot\"", "\"cold\"", "\"do_syscall_64\"", "\"server +0x4abc\"");
    }

    @Test
    void searchHighlightsAndReportsTheMatchedShare() throws Exception {
        String shown = interact(page(profile("hot")), "[{\"search\":\"ho\"}, {\"search\":\"syscall|cold\"}, {\"search\":\"(\"}]");

        assertThat(shown).contains("\"matched\":\"Matched: 80.00% (80 of 100 samples)\"");
        assertThat(shown).contains("\"matched\":\"Matched: 30.00% (30 of 100 samples)\"");
        assertThat(shown).contains("\"matched\":\"Matched: 0.00% (0 of 100 samples)\""); // an invalid regex searches literally
        assertThat(shown).contains("\"summary\":\"100 samples, 1.00 s CPU in 10.00 s\"");
    }

    @Test
    void clickZoomsIntoAFrameAndResetReturns() throws Exception {
        String shown = interact(page(profile("hot")), "[{\"click\":\"hot\"}, {\"reset\":true}, {\"click\":\"cold\"}, {\"escape\":true}]");

        String[] steps = shown.split("\\{\"matched\"");
        assertThat(steps[1]).contains("\"hot\"", "\"do_syscall_64\"").doesNotContain("\"cold\"");
        assertThat(steps[2]).contains("\"hot\"", "\"cold\"");
        assertThat(steps[3]).contains("\"cold\"").doesNotContain("\"do_syscall_64\"");
        assertThat(steps[4]).contains("\"hot\"", "\"cold\"");
    }

    @Test
    void tooltipShowsCountsTimeAndPercent() throws Exception {
        String shown = interact(page(profile("hot")), "[{\"hover\":\"hot\"}]");

        assertThat(shown).contains("hot\\n80 samples, 800.0 ms CPU\\n80.00% of all");
    }

    @Test
    void hostileFrameNamesStayText() throws Exception {
        String hostile = "</script><script>alert(1)</script>/*DATA*/\u2028";
        String html = page(profile(hostile));

        assertThat(html.split("</script>", -1)).hasSize(3); // the page's own two script elements
        String shown = interact(html, "[{\"hover\":\"main\"}]");
        assertThat(shown).contains("\"labels\":[\"all\",\"main\",\"</script><script>alert(1)</script>/*DATA*/");
    }

    @Test
    void aHundredThousandStacksMakeASmallPage() throws Exception {
        List<ProfileFunction> functions = new ArrayList<>();
        List<ProfileLocation> locations = new ArrayList<>();
        for (int i = 1; i <= 5000; i++) {
            functions.add(new ProfileFunction("pkg.function" + i, "pkg.function" + i, ""));
            locations.add(new ProfileLocation(1, 0x400000 + i * 16L, new long[] {i}, new long[] {0}));
        }
        List<ProfileSample> samples = new ArrayList<>();
        java.util.Random random = new java.util.Random(42);
        for (int s = 0; s < 100_000; s++) {
            long[] stack = new long[8 + random.nextInt(24)];
            for (int f = 0; f < stack.length; f++) {
                stack[f] = 1 + (f == stack.length - 1 ? 0 : random.nextInt(f < stack.length - 4 ? 5000 : 20));
            }
            samples.add(new ProfileSample(stack, 1 + random.nextInt(5), List.of()));
        }
        CpuProfile big = new CpuProfile(new TreeMap<>(), Instant.EPOCH, Duration.ofSeconds(60), 10_101_010L,
                List.of(new ProfileMapping(0x400000, 0x500000, 0, "/app", "", true)), locations, functions, samples, List.of());

        long started = System.nanoTime();
        String html = page(big);
        long millis = (System.nanoTime() - started) / 1_000_000;

        System.out.printf("flame graph of 100000 stacks: %d KiB of HTML in %d ms%n", html.length() / 1024, millis);
        assertThat(html.length()).isLessThan(8 << 20);
        String shown = interact(html, "[{\"search\":\"function1$\"}]");
        assertThat(shown).contains("Matched: ");
    }
}
