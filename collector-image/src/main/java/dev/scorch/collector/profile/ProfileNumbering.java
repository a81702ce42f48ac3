package dev.scorch.collector.profile;

import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.SymbolizedStacks.SharedFunction;
import dev.scorch.collector.profile.SymbolizedStacks.SharedLocation;
import dev.scorch.collector.profile.SymbolizedStacks.SharedMapping;
import dev.scorch.collector.profile.SymbolizedStacks.SharedStack;
import java.util.ArrayList;
import java.util.List;

/**
 * One profile's ids (1-based positions) for the shared mappings, locations and functions its
 * stacks reach, looked up by their positions in the round: arrays, not hash maps, since twenty
 * profiles of one round each number thousands of locations.
 */
final class ProfileNumbering {
    private final int[] mappingIds;
    private final List<MappingEntry> mappingEntries = new ArrayList<>();
    private final int[] locationIds;
    private final int[] functionIds;
    final List<ProfileLocation> locations = new ArrayList<>();
    final List<ProfileFunction> functions = new ArrayList<>();
    final List<ProfileSample> samples = new ArrayList<>();

    ProfileNumbering(SymbolizedStacks round) {
        mappingIds = new int[round.mappingCount()];
        locationIds = new int[round.locationCount()];
        functionIds = new int[round.functionCount()];
    }

    void add(SharedStack stack, long count) {
        SharedLocation[] shared = stack.locations();
        if (shared.length == 0) {
            return;
        }
        long[] ids = new long[shared.length];
        for (int i = 0; i < shared.length; i++) {
            ids[i] = location(shared[i]);
        }
        samples.add(new ProfileSample(ids, count, stack.labels()));
    }

    private long location(SharedLocation location) {
        int existing = locationIds[location.index()];
        if (existing != 0) {
            return existing;
        }
        long mappingId = location.mapping() == null ? 0 : mapping(location);
        long[] functionIdsOfFrames = new long[location.functions().length];
        for (int i = 0; i < functionIdsOfFrames.length; i++) {
            functionIdsOfFrames[i] = function(location.functions()[i]);
        }
        locations.add(new ProfileLocation(mappingId, location.address(), functionIdsOfFrames, location.lines()));
        int id = locations.size();
        locationIds[location.index()] = id;
        return id;
    }

    private long mapping(SharedLocation location) {
        int id = mappingIds[location.mapping().index];
        MappingEntry entry;
        if (id == 0) {
            entry = new MappingEntry(location.mapping(), location.address());
            mappingEntries.add(entry);
            id = mappingEntries.size();
            mappingIds[location.mapping().index] = id;
        } else {
            entry = mappingEntries.get(id - 1);
        }
        if (entry.shared.kernel) {
            if (Long.compareUnsigned(location.address(), entry.start) < 0) {
                entry.start = location.address();
            }
            if (Long.compareUnsigned(location.address(), entry.limit) >= 0) {
                entry.limit = location.address() + 1;
            }
        }
        if (!location.resolved()) {
            entry.allResolved = false;
        }
        return id;
    }

    private long function(SharedFunction function) {
        int existing = functionIds[function.index()];
        if (existing != 0) {
            return existing;
        }
        functions.add(new ProfileFunction(function.name(), function.systemName(), function.file()));
        int id = functions.size();
        functionIds[function.index()] = id;
        return id;
    }

    List<ProfileMapping> mappings() {
        List<ProfileMapping> mappings = new ArrayList<>(mappingEntries.size());
        for (MappingEntry entry : mappingEntries) {
            mappings.add(new ProfileMapping(entry.start, entry.limit, entry.shared.fileOffset, entry.shared.file,
                    entry.shared.symbols.buildId(), entry.allResolved));
        }
        return mappings;
    }

    /** A mapping as this profile states it: the kernel's range spans the profile's own kernel addresses. */
    private static final class MappingEntry {
        final SharedMapping shared;
        long start;
        long limit;
        boolean allResolved = true;

        MappingEntry(SharedMapping shared, long address) {
            this.shared = shared;
            this.start = shared.kernel ? address : shared.start;
            this.limit = shared.kernel ? address + 1 : shared.limit;
        }
    }
}
