package dev.scorch.collector.run;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.SymbolizedStacks;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * One policy's export interval end: drain its stacks, move the pending ones to the targets the pod
 * watch now knows, build one profile per target (in parts when one profile alone would take the
 * shared symbolization round past its bound) and offer each to every exporter of the policy in the
 * exporter's wire format (each format encoded once per profile). Each profile states the sampling
 * period the node actually used, which may be a higher frequency than the policy asked for when
 * another policy on the node wants more.
 */
public final class ProfileCycle {

    private static final System.Logger LOG = System.getLogger(ProfileCycle.class.getName());

    private final StackSource source;
    private final TargetResolver resolver;
    private final CpuProfileBuilder builder;
    private final List<ProfileExporter> exporters;
    private final IntSupplier frequencyHz;
    private final AtomicLong profiles = new AtomicLong();
    private final AtomicLong unattributedSamples = new AtomicLong();
    private final AtomicLong failedProfiles = new AtomicLong();
    private final AtomicLong intervals = new AtomicLong();

    public ProfileCycle(StackSource source, TargetResolver resolver, CpuProfileBuilder builder, List<ProfileExporter> exporters,
            IntSupplier frequencyHz) {
        this.source = source;
        this.resolver = resolver;
        this.builder = builder;
        this.exporters = List.copyOf(exporters);
        this.frequencyHz = frequencyHz;
    }

    /**
     * Ends the interval {@code [start, end)} on its own: its stacks resolved and its profiles made
     * durable in rounds of their own; see {@link #finish(Instant, Instant, SymbolizedStacks, OfferRound)}.
     */
    public int finish(Instant start, Instant end) {
        OfferRound offers = new OfferRound();
        try {
            return finish(start, end, builder.round(), offers);
        } finally {
            offers.commit();
        }
    }

    /**
     * Ends the interval {@code [start, end)}; returns the number of profiles offered. Called from
     * one thread at a time (the interval loop, or shutdown after the loop stopped).
     *
     * @param round where the stacks are resolved, shared with the other policies ending their interval now
     * @param offers where the profiles are offered, shared with the other policies too: the caller
     *     commits it once every policy of the round has offered its profiles
     */
    public synchronized int finish(Instant start, Instant end, SymbolizedStacks round, OfferRound offers) {
        Map<Target, List<AggregatedStack>> byTarget = attributePending(source.drainInterval());
        Duration duration = Duration.between(start, end);
        long offeredBefore = profiles.get();
        for (Map.Entry<Target, List<AggregatedStack>> entry : byTarget.entrySet()) {
            Target target = entry.getKey();
            try {
                builder.build(target.labels(), start, duration, frequencyHz.getAsInt(), entry.getValue(), round,
                        profile -> offer(target, profile, start, duration, round, offers));
            } catch (RuntimeException e) {
                failedProfiles.incrementAndGet();
                LOG.log(Level.WARNING, "cannot build the profile of {0} ({1} stacks); its samples of this interval are lost: {2}",
                        target.serviceName(), entry.getValue().size(), e.toString());
            }
        }
        intervals.incrementAndGet();
        return (int) (profiles.get() - offeredBefore);
    }

    private Map<Target, List<AggregatedStack>> attributePending(Map<Target, List<AggregatedStack>> drained) {
        Map<Target, List<AggregatedStack>> byTarget = new LinkedHashMap<>();
        drained.forEach((target, stacks) -> {
            if (!target.equals(Target.PENDING)) {
                byTarget.computeIfAbsent(target, t -> new ArrayList<>()).addAll(stacks);
            }
        });
        for (AggregatedStack stack : drained.getOrDefault(Target.PENDING, List.of())) {
            Optional<Target> target = resolver.resolve(stack.pid()).filter(t -> !t.equals(Target.PENDING));
            if (target.isPresent()) {
                byTarget.computeIfAbsent(target.get(), t -> new ArrayList<>()).add(stack);
            } else {
                unattributedSamples.addAndGet(stack.count());
            }
        }
        return byTarget;
    }

    /** Offers a profile (or a part of one) to every exporter, each wire format encoded once. */
    private void offer(Target target, CpuProfile profile, Instant start, Duration duration, SymbolizedStacks round, OfferRound offers) {
        String id = UUID.randomUUID().toString();
        Map<WireFormat, byte[]> encoded = new EnumMap<>(WireFormat.class);
        for (ProfileExporter exporter : exporters) {
            try {
                byte[] payload = encoded.computeIfAbsent(exporter.wireFormat(), format -> format.encode(profile, id, round.encodings()));
                exporter.offer(new ExportedProfile(id, target.labels(), start, duration, payload), offers);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "backend {0} could not take a profile of {1}: {2}", exporter.backendName(),
                        target.serviceName(), e.toString());
            }
        }
        profiles.incrementAndGet();
    }

    /** Profiles offered to the exporters so far. */
    public long profiles() {
        return profiles.get();
    }

    /** Samples dropped because their container was still unknown to the pod watch at the interval's end. */
    public long unattributedSamples() {
        return unattributedSamples.get();
    }

    /** Profiles that could not be built. */
    public long failedProfiles() {
        return failedProfiles.get();
    }

    /** Intervals finished so far. */
    public long intervals() {
        return intervals.get();
    }
}
