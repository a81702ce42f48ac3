package dev.scorch.collector.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.CpuProfileBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FlameGraphWriterTest {

    /**
     * main -> hot (70 samples), main -> cold (20), main -> hot -> do_syscall_64 in the kernel (10);
     * function ids: 1 main, 2 hot, 3 cold, 4 do_syscall_64; locations likewise, plus 5 unresolved.
     */
    static CpuProfile profile(String hotName) {
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
        labels.put("node", "node-1");
        return new CpuProfile(labels, Instant.parse("2026-11-21T12:00:00Z"), Duration.ofSeconds(10), 10_000_000L, mappings, locations, functions,
                samples, List.of());
    }

    private String page(CpuProfile profile) {
        return FlameGraphWriter.render(profile);
    }

    /** The page's embedded data: names and the preorder node list (depth, name, kind, total). */
    private static JsonNode data(String html) throws Exception {
        int start = html.indexOf("<script type=\"application/json\" id=\"data\">") + "<script type=\"application/json\" id=\"data\">".length();
        return new ObjectMapper().readTree(html.substring(start, html.indexOf("</script>", start)));
    }

    @Test
    void pageIsSelfContained() {
        String html = page(profile("hot"));

        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("http://").doesNotContain("https://").doesNotContain("src=")
                .doesNotContain("<link").doesNotContain("@import");
        assertThat(html).contains("CPU flame graph - shop/server");
    }

    @Test
    void pageCarriesEveryFrameAndNamesUnresolvedOnesByTheirFile() {
        String html = page(profile("hot"));

        assertThat(html).contains("\"main\"", "\"hot\"", "\"cold\"", "\"do_syscall_64\"", "\"[unknown in server]\"");
    }

    @Test
    void unresolvedAddressesOfOneLibraryAreOneFrameNotOneSliverEach() throws Exception {
        List<ProfileLocation> locations = new ArrayList<>();
        locations.add(new ProfileLocation(1, 0x401000, new long[] {1}, new long[] {0}));
        List<ProfileSample> samples = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            locations.add(new ProfileLocation(2, 0x7f0000001000L + 16L * i, new long[0], new long[0]));
            locations.add(new ProfileLocation(2, 0x7f0000900000L + 16L * i, new long[0], new long[0]));
            samples.add(new ProfileSample(new long[] {locations.size() - 1, locations.size(), 1}, 1, List.of()));
        }
        CpuProfile profile = new CpuProfile(new TreeMap<>(), Instant.EPOCH, Duration.ofSeconds(10), 10_000_000L,
                List.of(new ProfileMapping(0x400000, 0x500000, 0, "/app/server", "", true),
                        new ProfileMapping(0x7f0000000000L, 0x7f0001000000L, 0, "/usr/lib/libfoo.so", "", false)),
                locations, List.of(new ProfileFunction("main", "main", "")), samples, List.of());

        JsonNode data = data(page(profile));

        assertThat(data.get("names")).extracting(JsonNode::asText).containsExactly("all", "main", "[unknown in libfoo.so]");
        assertThat(data.get("nodes")).hasSize(3 * 4); // all -> main -> [unknown in libfoo.so], 200 samples
    }

    @Test
    void cxxAndRustNamesAreDemangled() throws Exception {
        JsonNode names = data(page(profile("_ZN4core3fmt9Formatter3pad17h0123456789abcdefE"))).get("names");

        assertThat(names).extracting(JsonNode::asText).contains("core::fmt::Formatter::pad");
    }

    @Test
    void theSubtitleSaysHostStartDurationFrequencyAndFilters() {
        assertThat(FlameGraphWriter.subtitle(profile("hot"), List.of("pid 42 and descendants")))
                .isEqualTo("host node-1 \u00b7 2026-11-21 12:00:00 UTC \u00b7 10.00 s \u00b7 100 Hz \u00b7 pid 42 and descendants");
        assertThat(FlameGraphWriter.subtitle(profile("hot"), List.of())).endsWith("100 Hz \u00b7 all processes");
    }

    @Test
    void hostileFrameNamesCannotEndTheScriptElement() {
        String html = page(profile("</script><script>alert(1)</script>/*DATA*/\u2028"));

        assertThat(html.split("</script>", -1)).hasSize(3); // the page's own two script elements
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
    }
}
