package dev.scorch.collector.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** docs/contracts.md, read by the tests so its examples are checked rather than copied. */
final class ContractsDocument {

    private ContractsDocument() {}

    /** The first JSON block under the collector.json heading. */
    static String collectorJsonExample() {
        try {
            String document = Files.readString(Path.of("..", "docs", "contracts.md"));
            int section = document.indexOf("### `collector.json`");
            int start = document.indexOf("```json\n", section) + "```json\n".length();
            return document.substring(start, document.indexOf("```", start));
        } catch (IOException e) {
            throw new UncheckedIOException("docs/contracts.md must be readable from collector-image/", e);
        }
    }
}
