package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.protobuf.ProtobufWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class PprofDecoderTest {

    private final PprofDecoder decoder = new PprofDecoder(PprofDecoder.defaultLimits());

    private static byte[] gzip(byte[] raw) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(raw);
        }
        return out.toByteArray();
    }

    private static PullFailure.Reason reasonOf(ThrowingDecode decode) {
        try {
            decode.run();
        } catch (PullFailure e) {
            return e.reason();
        } catch (Exception e) {
            throw new AssertionError("expected a PullFailure, got " + e, e);
        }
        throw new AssertionError("decoded without a failure");
    }

    private interface ThrowingDecode {
        void run() throws Exception;
    }

    @Test
    void decodesSampleTypesStacksLabelsAndPeriodOfAGoHeapProfile() throws Exception {
        PulledProfile profile = decoder.decode(GoStyleProfile.heap()
                .sampleWithBytes("main.alloc;main.main", 1024, 3, 3072, 1, 1024).gzipped(), "test");

        assertThat(profile.sampleTypes()).extracting(Object::toString)
                .containsExactly("alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes");
        assertThat(profile.periodType()).hasToString("space/bytes");
        assertThat(profile.period()).isEqualTo(524288);
        assertThat(profile.samples()).singleElement().satisfies(s -> {
            assertThat(s.values()).containsExactly(3, 3072, 1, 1024);
            assertThat(s.labels()).singleElement().satisfies(l -> {
                assertThat(l.key()).isEqualTo("bytes");
                assertThat(l.num()).isEqualTo(1024);
            });
            assertThat(profile.functions().get(profile.locations().get(s.locationIds()[0]).lines().getFirst().functionId()).name())
                    .isEqualTo("main.alloc");
        });
    }

    @Test
    void takesTheBareMessageAsWellAsGzip() throws Exception {
        PulledProfile profile = decoder.decode(GoStyleProfile.mutex().sample("main.a", 1, 2).encoded(), "test");

        assertThat(profile.samples()).hasSize(1);
    }

    @Test
    void anHtmlPageIsNotPprofAndTheErrorShowsItsStart() {
        byte[] html = "<html><body>login required</body></html>".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decoder.decode(html, "http://10.0.0.7:6060/debug/pprof/heap"))
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(PullFailure.Reason.NOT_PPROF))
                .hasMessageContaining("http://10.0.0.7:6060/debug/pprof/heap")
                .hasMessageContaining("<html><body>login");
    }

    @Test
    void gzipOfSomethingElseIsNotPprof() throws Exception {
        byte[] text = gzip("goroutine profile: total 4\n1 @ 0x43a5c5 0x46d1a5\n".getBytes(StandardCharsets.UTF_8));

        assertThat(reasonOf(() -> decoder.decode(text, "test"))).isEqualTo(PullFailure.Reason.NOT_PPROF);
    }

    @Test
    void aTruncatedGzipBodyIsNotPprof() {
        byte[] whole = GoStyleProfile.heap().sample("main.a", 1, 2, 3, 4).gzipped();

        assertThat(reasonOf(() -> decoder.decode(Arrays.copyOf(whole, whole.length / 2), "test"))).isEqualTo(PullFailure.Reason.NOT_PPROF);
    }

    @Test
    void aTruncatedMessageIsNotPprof() throws Exception {
        byte[] raw = GoStyleProfile.heap().sample("main.a", 1, 2, 3, 4).encoded();

        assertThat(reasonOf(() -> decoder.decode(gzip(Arrays.copyOf(raw, raw.length - 7)), "test"))).isEqualTo(PullFailure.Reason.NOT_PPROF);
    }

    @Test
    void aGzipBombIsRefusedOnceItInflatesPastTheCap() throws Exception {
        PprofDecoder small = new PprofDecoder(new ParseBudget.Limits("pprof", 1 << 20, 1000, 64 << 20));
        byte[] bomb = gzip(new byte[64 << 20]);

        assertThat(bomb.length).isLessThan(100 << 10);
        assertThatThrownBy(() -> small.decode(bomb, "test"))
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(PullFailure.Reason.TOO_LARGE))
                .hasMessageContaining("pprof input over its read_bytes budget");
    }

    @Test
    void theInflatedMessageCountsInTheHeapBudgetSoASmallBodyNeverGrowsPastIt() throws Exception {
        long heapBudget = 4 << 20;
        PprofDecoder node = new PprofDecoder(new ParseBudget.Limits("pprof", 32 << 20, 4_000_000, heapBudget));
        byte[] bomb = gzip(new byte[32 << 20]);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> node.decode(new ByteArrayInputStream(bomb), "test"))
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(PullFailure.Reason.TOO_LARGE))
                .hasMessageContaining("pprof input over its heap_bytes budget");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes allocated while refusing a body that inflates to 32 MiB").isLessThan(heapBudget + (1 << 20));
    }

    @Test
    void samplesBeyondTheHeapBudgetAreRefusedBeforeTheyAreKept() {
        PprofDecoder small = new PprofDecoder(new ParseBudget.Limits("pprof", 1 << 20, 1_000_000, 64 << 10));
        GoStyleProfile many = GoStyleProfile.mutex();
        for (int i = 0; i < 1000; i++) {
            many.sample("main.f" + i, 1, 1);
        }

        assertThatThrownBy(() -> small.decode(many.gzipped(), "test"))
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(PullFailure.Reason.TOO_LARGE))
                .hasMessageContaining("pprof input over its heap_bytes budget");
    }

    @Test
    void aSampleNamingAMissingLocationIsRefused() throws Exception {
        byte[] raw = new ProtobufWriter()
                .beginMessage(1).varint(1, 1).varint(2, 2).endMessage()
                .beginMessage(2).packedVarints(1, 99).packedVarints(2, 1).endMessage()
                .repeatedString(6, "").repeatedString(6, "samples").repeatedString(6, "count")
                .toByteArray();

        assertThatThrownBy(() -> decoder.decode(gzip(raw), "test")).hasMessageContaining("location 99");
    }

    @Test
    void aStringIndexOutsideTheTableIsRefused() throws Exception {
        byte[] raw = new ProtobufWriter()
                .beginMessage(1).varint(1, 1).varint(2, 40).endMessage()
                .repeatedString(6, "").repeatedString(6, "samples")
                .toByteArray();

        assertThatThrownBy(() -> decoder.decode(gzip(raw), "test")).hasMessageContaining("string index 40");
    }

    @Test
    void anEmptyBodyIsNotPprof() {
        assertThatThrownBy(() -> decoder.decode(new byte[0], "test"))
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(PullFailure.Reason.NOT_PPROF))
                .hasMessageContaining("empty body");
    }
}
