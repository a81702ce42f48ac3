package dev.scorch.collector.json;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Any bytes are a JSON value or a {@link JsonParseException}, read whole or as a stream - never
 * another exception, a stack overflow or an allocation past the bound the limits imply.
 */
class JsonReaderFuzzTest {

    private static final JsonLimits LIMITS = new JsonLimits(100, 64 << 10, 4 << 20, 50_000);

    private static final String WATCH_EVENT = """
            {"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"api-1","namespace":"shop","uid":"u-1",
             "labels":{"app":"api","team":"caf\\u00e9 \\ud83d\\udd25"},"annotations":{"note":"a\\"b\\\\c\\n"}},
             "spec":{"containers":[{"name":"api","ports":[{"containerPort":8080,"name":"http"}]}]},
             "status":{"phase":"Running","podIP":"10.0.0.7","containerStatuses":[{"containerID":"containerd://ab","ready":true,
             "restartCount":0,"started":null}],"cpu":0.25,"big":12345678901234567890,"tiny":-1.5e-7}}}
            """;

    static void read(byte[] bytes) throws IOException {
        JsonReader.parse(bytes, LIMITS);
        JsonReader stream = JsonReader.streaming(new ByteArrayInputStream(bytes), LIMITS);
        while (stream.next() != null) {
            // each value read on its own
        }
    }

    @FuzzTest(maxDuration = "1m")
    void anyBytesAreAValueOrAParseError(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        try {
            read(bytes);
        } catch (JsonParseException refused) {
            // the caller reports or reconnects
        }
    }

    @Test
    void mutantsOfAWatchEventAreAValueOrAParseError() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(WATCH_EVENT, "[1,2.5,\"x\",{},[],true,false,null]"), 200, 8259),
                32L << 20, JsonReaderFuzzTest::read, JsonParseException.class);
    }
}
