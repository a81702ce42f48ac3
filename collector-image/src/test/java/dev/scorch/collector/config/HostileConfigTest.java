package dev.scorch.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * collector.json shaped to break the parser (hostile or just broken rendering) is reported as a
 * {@link ConfigException} naming the file and field (for the whole file, or for the one policy
 * section it is in), never another exception that would end {@code run}.
 */
class HostileConfigTest {

    @TempDir
    Path dir;

    /** Why the file, or the one policy section the problem is in, was refused. */
    private static String refusal(String json) {
        try {
            RunConfig config = CollectorConfigParser.parse(json);
            assertThat(config.invalidPolicies()).as("a refused policy section").isNotEmpty();
            return config.invalidPolicies().getFirst().message();
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    private static String withSpoolDirectory(String directory) {
        return CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"/var/lib/scorch/spool\"", directory);
    }

    @Test
    void deeplyNestedJsonIsAConfigError() throws Exception {
        Path file = Files.writeString(dir.resolve("collector.json"), "[".repeat(200_000) + "]".repeat(200_000));

        assertThatThrownBy(() -> CollectorConfigParser.read(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("collector.json: ");
    }

    @Test
    void aNumberOfTwoThousandDigitsIsAConfigError() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": " + "9".repeat(2000));

        assertThat(refusal(json)).startsWith("collector.json: ");
    }

    @Test
    void aNumberTooLargeForItsFieldNamesTheField() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": " + "9".repeat(30));

        assertThat(refusal(json)).contains("sampling.frequencyHz");
    }

    @Test
    void aNulInAPathIsAConfigErrorNamingTheField() {
        assertThatThrownBy(() -> CollectorConfigParser.parse(withSpoolDirectory("\"/var/lib/\\u0000scorch\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("collector.json: spool.directory");
    }

    @Test
    void aNulInACredentialFilePathIsAConfigErrorNamingTheField() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("/etc/scorch/secrets/checkout-cpu.grafana.password", "/etc/\\u0000password");

        assertThat(refusal(json)).contains("policies[0].export.backends[0].pyroscope.basicAuth.passwordFile");
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedNamingTheHeaderButNotTheValue() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}",
                "\"headers\": {\"X-Scope-OrgID\": \"tenant\\r\\nX-Injected: s3cr3t-value\"}");

        assertThat(refusal(json)).contains("X-Scope-OrgID").doesNotContain("s3cr3t-value");
    }

    @Test
    void aHeaderNameThatIsNotAnHttpTokenIsRefused() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}", "\"headers\": {\"Bad Name:\": \"v\"}");

        assertThat(refusal(json)).contains("headers");
    }

    @Test
    void aPlainHeaderValueIsKept() throws Exception {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}", "\"headers\": {\"X-Scope-OrgID\": \"tenant a\\t1\"}");

        assertThat(CollectorConfigParser.parse(json).policies().getFirst().export().backends().get(2)).isNotNull();
    }
}
