package dev.scorch.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * collector.json shaped to break the parser (hostile or just broken rendering) is reported as a
 * {@link ConfigException} naming the file and field, never another exception that would end {@code run}.
 */
class HostileConfigTest {

    @TempDir
    Path dir;

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

        assertThatThrownBy(() -> CollectorConfigParser.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("collector.json: ");
    }

    @Test
    void aNumberTooLargeForItsFieldNamesTheField() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": " + "9".repeat(30));

        assertThatThrownBy(() -> CollectorConfigParser.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sampling.frequencyHz");
    }

    @Test
    void aNulInAPathIsAConfigErrorNamingTheField() {
        assertThatThrownBy(() -> CollectorConfigParser.parse(withSpoolDirectory("\"/var/lib/\\u0000scorch\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("export.spool.directory");
    }

    @Test
    void aNulInACredentialFilePathIsAConfigErrorNamingTheField() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("/etc/scorch/secrets/grafana/password", "/etc/\\u0000password");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("basicAuth.passwordFile");
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedNamingTheHeaderButNotTheValue() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}",
                "\"headers\": {\"X-Scope-OrgID\": \"tenant\\r\\nX-Injected: s3cr3t-value\"}");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("X-Scope-OrgID").hasMessageNotContaining("s3cr3t-value");
    }

    @Test
    void aHeaderNameThatIsNotAnHttpTokenIsRefused() {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}", "\"headers\": {\"Bad Name:\": \"v\"}");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headers");
    }

    @Test
    void aPlainHeaderValueIsKept() throws Exception {
        String json = CollectorConfigParserTest.CONTRACT_EXAMPLE.replace("\"headers\": {}", "\"headers\": {\"X-Scope-OrgID\": \"tenant a\\t1\"}");

        assertThat(CollectorConfigParser.parse(json).export().backends().get(2)).isNotNull();
    }
}
