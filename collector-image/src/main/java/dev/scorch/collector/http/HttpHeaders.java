package dev.scorch.collector.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A response's header fields in the order received; names compare case-insensitively. */
public final class HttpHeaders {

    private final List<String> names = new ArrayList<>();
    private final List<String> values = new ArrayList<>();

    void add(String name, String value) {
        names.add(name);
        values.add(value);
    }

    int size() {
        return names.size();
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, each comma-separated list split into its elements. */
    public List<String> elements(String name) {
        List<String> elements = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                for (String element : values.get(i).split(",")) {
                    if (!element.isBlank()) {
                        elements.add(element.strip());
                    }
                }
            }
        }
        return elements;
    }
}
