package dev.scorch.collector.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flame graph page in a real headless Chromium, driven through the DevTools protocol with real
 * mouse and keyboard input. The page's {@code window.flameGraph} reports what the canvas drew and
 * where, so a test can click a frame by its name. Screenshots of each state are kept in
 * {@code target/flamegraph-screenshots/}.
 */
class FlameGraphInChromiumTest {

    private static final Path SCREENSHOTS = Path.of("target/flamegraph-screenshots");

    @TempDir
    static Path dir;

    private static Chromium chromium;
    private static String page;
    private static String empty;

    @BeforeAll
    static void startChromium() throws Exception {
        var executable = ExternalTools.onPath("chromium");
        Tier.UNIT.require(executable.isPresent(), "the flame graph is tested in Chromium: run hack/install-chromium.sh");
        page = write("flame.html", FlameGraphWriter.render(FlameGraphWriterTest.profile("hot"), List.of("pid 42 and descendants")));
        empty = write("empty.html", FlameGraphWriter.render(new CpuProfile(new TreeMap<>(java.util.Map.of("node", "node-1")),
                Instant.parse("2026-11-21T12:00:00Z"), Duration.ofSeconds(3), 10_101_010L, List.of(), List.of(), List.of(), List.of(),
                List.of())));
        Files.createDirectories(SCREENSHOTS);
        chromium = Chromium.start(executable.get(), dir.resolve("chromium-profile"));
    }

    @AfterAll
    static void stopChromium() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    private static String write(String name, String html) throws Exception {
        return Files.writeString(dir.resolve(name), html).toUri().toString();
    }

    private static List<String> toList(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static void clickFrame(String name) throws Exception {
        JsonNode box = chromium.evaluate("flameGraph.box(" + quote(name) + ")");
        assertThat(box.isNull()).as("frame " + name + " is drawn").isFalse();
        chromium.click(box.get("x").asDouble() + box.get("width").asDouble() / 2, box.get("y").asDouble() + box.get("height").asDouble() / 2);
    }

    private static void search(String text) throws Exception {
        chromium.evaluate("document.getElementById('search').focus(); document.getElementById('search').select()");
        chromium.type(text);
        Thread.sleep(400); // the page searches 150 ms after the last keystroke
    }

    private static String text(String id) throws Exception {
        return chromium.evaluate("document.getElementById(" + quote(id) + ").innerText").asText();
    }

    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void theTitleSaysWhatWhereWhenHowLongHowOftenAndWhichProcesses() throws Exception {
        chromium.open(page);

        assertThat(chromium.evaluate("document.title").asText()).isEqualTo("CPU flame graph - shop/server");
        assertThat(text("subtitle")).isEqualTo("host node-1 \u00b7 2026-11-21 12:00:00 UTC \u00b7 10.00 s \u00b7 100 Hz \u00b7 pid 42 and descendants");
        assertThat(text("summary")).isEqualTo("100 samples, 1.00 s CPU in 10.00 s");
        chromium.screenshot(SCREENSHOTS.resolve("whole.png"));
    }

    @Test
    void theLegendNamesEachKindOfFrame() throws Exception {
        chromium.open(page);

        assertThat(text("legend")).contains("user", "kernel", "JIT", "unresolved");
        assertThat(chromium.evaluate("document.getElementById('legend').getBoundingClientRect().width > 100").asBoolean()).isTrue();
    }

    @Test
    void clickingAFrameZoomsIntoItAndTheZoomSurvivesAReload() throws Exception {
        chromium.open(page);
        assertThat(toList(chromium.evaluate("flameGraph.drawn()"))).contains("hot", "cold", "do_syscall_64");

        clickFrame("hot");

        assertThat(toList(chromium.evaluate("flameGraph.drawn()"))).contains("all", "main", "hot", "do_syscall_64").doesNotContain("cold");
        String address = chromium.evaluate("location.href").asText();
        assertThat(address).contains("#zoom=");
        chromium.screenshot(SCREENSHOTS.resolve("zoomed.png"));

        chromium.reload();
        assertThat(chromium.evaluate("location.href").asText()).isEqualTo(address);
        assertThat(toList(chromium.evaluate("flameGraph.drawn()"))).contains("hot").doesNotContain("cold");

        chromium.evaluate("document.getElementById('reset').click()");
        assertThat(toList(chromium.evaluate("flameGraph.drawn()"))).contains("hot", "cold");
        assertThat(chromium.evaluate("location.hash").asText()).isEmpty();
    }

    @Test
    void searchShowsTheMatchedShareAndStaysInTheAddress() throws Exception {
        chromium.open(page);

        search("syscall|cold");

        assertThat(text("matched")).isEqualTo("Matched: 30.00% (30 of 100 samples)");
        assertThat(chromium.evaluate("location.hash").asText()).isEqualTo("#search=syscall%7Ccold");
        chromium.screenshot(SCREENSHOTS.resolve("search.png"));

        chromium.reload();
        assertThat(chromium.evaluate("document.getElementById('search').value").asText()).isEqualTo("syscall|cold");
        assertThat(text("matched")).isEqualTo("Matched: 30.00% (30 of 100 samples)");
    }

    @Test
    void anInvalidRegexSaysSoInsteadOfMatchingNothing() throws Exception {
        chromium.open(page);

        search("hot(");

        assertThat(text("matched")).startsWith("Invalid regex: ");
        assertThat(chromium.evaluate("getComputedStyle(document.getElementById('matched')).color").asText()).isEqualTo("rgb(176, 0, 32)");
    }

    @Test
    void theTooltipShowsSelfTimeBesideTheTotal() throws Exception {
        chromium.open(page);
        JsonNode box = chromium.evaluate("flameGraph.box('hot')");

        chromium.hover(box.get("x").asDouble() + 5, box.get("y").asDouble() + 5);

        assertThat(text("tip")).isEqualTo("hot\n80 samples, 800.0 ms CPU\n80.00% of all\nself: 70 samples, 700.0 ms, 70.00%");
    }

    @Test
    void anEmptyProfileSaysThereAreNoSamples() throws Exception {
        chromium.open(empty);

        assertThat(chromium.evaluate("getComputedStyle(document.getElementById('empty')).display").asText()).isEqualTo("block");
        assertThat(text("empty")).startsWith("No samples");
        assertThat(chromium.evaluate("getComputedStyle(document.getElementById('graph')).display").asText()).isEqualTo("none");
        chromium.screenshot(SCREENSHOTS.resolve("empty.png"));
    }

    @Test
    void aHostileFrameNameIsDrawnAsText() throws Exception {
        String hostile = "</script><script>window.owned=1</script>";
        chromium.open(write("hostile.html", FlameGraphWriter.render(FlameGraphWriterTest.profile(hostile))));

        assertThat(toList(chromium.evaluate("flameGraph.drawn()"))).contains(hostile);
        assertThat(chromium.evaluate("window.owned === undefined").asBoolean()).isTrue();
    }
}
