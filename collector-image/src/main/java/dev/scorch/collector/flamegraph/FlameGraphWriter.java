package dev.scorch.collector.flamegraph;

import dev.scorch.collector.json.JsonWriter;
import dev.scorch.collector.profile.CpuProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a {@link CpuProfile} as one self-contained interactive HTML flame graph: the page carries
 * its own script and style (no network access, opens offline), and the stacks as a merged call
 * tree in compact JSON. Click zooms into a frame, the search box highlights matching frames and
 * shows the share of samples they cover, hovering shows counts and percentages, and Reset (or
 * Escape) returns to the whole profile. Root frames are at the top.
 *
 * <p>Frames under 1/20000 of all samples are folded into their caller, which keeps pages for very
 * large profiles small: such a frame would be narrower than a pixel.
 */
public final class FlameGraphWriter {

    private static final long MIN_FRACTION_DENOMINATOR = 20_000;

    private static final DateTimeFormatter START = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private static final String TITLE_MARKER = "/*TITLE*/";
    private static final String SUBTITLE_MARKER = "/*SUBTITLE*/";
    private static final String DATA_MARKER = "/*DATA*/";
    private static final String TEMPLATE = loadTemplate();

    private FlameGraphWriter() {}

    /**
     * Writes the page.
     *
     * @param filters how the samples were selected, for the subtitle (e.g. {@code pid 1234}); empty for everything
     */
    public static void write(CpuProfile profile, List<String> filters, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(render(profile, filters));
        }
    }

    /** The complete HTML page of an unfiltered profile. */
    public static String render(CpuProfile profile) {
        return render(profile, List.of());
    }

    /** The complete HTML page; see {@link #write}. */
    public static String render(CpuProfile profile, List<String> filters) {
        return render(profile, title(profile), subtitle(profile, filters), null);
    }

    /**
     * A page of a profile whose sample counts are values of one kind rather than CPU samples (a Go
     * heap profile's bytes, a goroutine count, contention delay), e.g. from {@link GoProfilePage}.
     *
     * @param valueName what the values are, e.g. {@code inuse_space}
     * @param unit their unit: {@code bytes}, {@code nanoseconds} or a count's name
     */
    public static String renderValues(CpuProfile profile, String title, String valueName, String unit) {
        return render(profile, title, subtitle(profile, List.of(valueName)), new String[] {valueName, unit});
    }

    private static String render(CpuProfile profile, String pageTitle, String pageSubtitle, String[] values) {
        CallTree tree = CallTree.of(profile);
        StringBuilder json = new StringBuilder(64 + tree.nodeCount() * 16);
        json.append("{\"title\":");
        JsonWriter.stringForScript(pageTitle, json);
        if (values != null) {
            json.append(",\"valueName\":");
            JsonWriter.stringForScript(values[0], json);
            json.append(",\"unit\":");
            JsonWriter.stringForScript(values[1], json);
        }
        json.append(",\"periodNanos\":").append(profile.periodNanos());
        json.append(",\"durationNanos\":").append(profile.duration().toNanos());
        json.append(",\"names\":[");
        for (int i = 0; i < tree.names.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            JsonWriter.stringForScript(tree.names.get(i), json);
        }
        json.append("],\"nodes\":[");
        tree.appendPreorder(json, Math.max(1, tree.total() / MIN_FRACTION_DENOMINATOR));
        json.append("]}");
        String title = html(pageTitle);
        int data = TEMPLATE.indexOf(DATA_MARKER);
        // Only the template's own markers are replaced: a title or frame name that contains a marker stays text.
        int subtitle = TEMPLATE.indexOf(SUBTITLE_MARKER);
        String head = TEMPLATE.substring(0, subtitle).replace(TITLE_MARKER, title) + html(pageSubtitle)
                + TEMPLATE.substring(subtitle + SUBTITLE_MARKER.length(), data);
        return head + json + TEMPLATE.substring(data + DATA_MARKER.length());
    }

    /** Where and when the profile was taken, for how long, how often, and what was selected. */
    static String subtitle(CpuProfile profile, List<String> filters) {
        List<String> parts = new ArrayList<>();
        String host = profile.labels().get("node");
        if (host != null) {
            parts.add("host " + host);
        }
        parts.add(START.format(profile.start()));
        parts.add(String.format(Locale.ROOT, "%.2f s", profile.duration().toNanos() / 1e9));
        if (profile.periodNanos() > 0) {
            parts.add(Math.round(1e9 / profile.periodNanos()) + " Hz");
        }
        parts.add(filters.isEmpty() ? "all processes" : String.join(", ", filters));
        return String.join(" \u00b7 ", parts);
    }

    private static String title(CpuProfile profile) {
        String service = profile.labels().get("service_name");
        return "CPU flame graph" + (service == null ? "" : " - " + service);
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String loadTemplate() {
        try (InputStream in = FlameGraphWriter.class.getResourceAsStream("flamegraph.html")) {
            if (in == null) {
                throw new IllegalStateException("flamegraph.html missing from the collector's resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the flame graph template", e);
        }
    }
}
