package dev.scorch.collector.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Any collector.json is a configuration or a {@link ConfigException}, never another exception (which would end {@code run}). */
class CollectorConfigFuzzTest {

    static void parse(byte[] bytes) throws ConfigException {
        CollectorConfigParser.parse(new String(bytes, StandardCharsets.UTF_8));
    }

    @FuzzTest(maxDuration = "1m")
    void anyBytesAreAConfigurationOrAConfigError(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        try {
            parse(bytes);
        } catch (ConfigException reported) {
            // becomes ConfigInvalid on the pod
        }
    }

    @Test
    void mutantsOfTheContractExampleAreAConfigurationOrAConfigError() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(CollectorConfigParserTest.CONTRACT_EXAMPLE), 300, 12),
                64L << 20, CollectorConfigFuzzTest::parse, ConfigException.class);
    }
}
