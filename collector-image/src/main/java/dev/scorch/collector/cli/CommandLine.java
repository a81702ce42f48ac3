package dev.scorch.collector.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value} (repeatable) and
 * bare {@code --flag}s. Unknown options are an error naming them.
 */
public final class CommandLine {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final Map<String, List<String>> values;
    private final Set<String> flagsGiven;

    private CommandLine(Map<String, List<String>> values, Set<String> flagsGiven) {
        this.values = values;
        this.flagsGiven = flagsGiven;
    }

    /**
     * @param args the arguments after the subcommand name
     * @param valueOptions options that take a value
     * @param flags options without a value
     */
    public static CommandLine parse(List<String> args, Set<String> valueOptions, Set<String> flags) throws UsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        Set<String> given = new java.util.HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name) && value == null) {
                given.add(name);
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return new CommandLine(values, given);
    }

    public Optional<String> value(String name) {
        List<String> all = values.get(name);
        return all == null ? Optional.empty() : Optional.of(all.getLast());
    }

    public List<String> values(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean flag(String name) {
        return flagsGiven.contains(name);
    }

    public int intValue(String name, int defaultValue, int min, int max) throws UsageException {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(text.get());
            if (v < min || v > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, was '" + text.get() + "'");
        }
    }

    public List<Integer> intValues(String name) throws UsageException {
        List<Integer> result = new ArrayList<>();
        for (String text : values(name)) {
            try {
                result.add(Integer.parseInt(text));
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a whole number, was '" + text + "'");
            }
        }
        return result;
    }

    public Duration duration(String name, Duration defaultValue) throws UsageException {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        return parseDuration(name, text.get());
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    static Duration parseDuration(String name, String text) throws UsageException {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new UsageException("--" + name + " must be a duration such as 30s, 500ms, 5m or 1h, was '" + text + "'");
        }
        long amount = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (d.isZero()) {
            throw new UsageException("--" + name + " must be longer than zero");
        }
        return d;
    }
}
