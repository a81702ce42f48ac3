package dev.scorch.collector.sampling;

import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Tier 2: the sampler opens real perf events and reads real samples of a real process. */
class SamplerTest {

    @BeforeEach
    void requireRealKernel() {
        CpuWideSampling.require();
    }

    @Test
    void samplesOfABusyChildOnOneCpuCarryItsPidAndUserFrames() throws Exception {
        Path split = CWorkloads.compile("split");
        Map<String, long[]> symbols = CWorkloads.textSymbols(split);
        List<Sample> childSamples = new ArrayList<>();
        Process child = new ProcessBuilder(split.toString(), "0.5", "0").start();
        int pid = (int) child.pid();
        try (Sampler sampler = Sampler.open(SamplerOptions.allCpus(499, true).withCpus(List.of(0)))) {
            sampler.start(new RecordHandler() {
                @Override
                public void sample(SampleRecord sample) {
                    if (sample.pid() == pid) {
                        childSamples.add(Sample.copyOf(sample));
                    }
                }
            });
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            sampler.drain();
            assertThat(sampler.lost()).isZero();
        }
        assertThat(childSamples).hasSizeGreaterThan(50);
        assertThat(childSamples).allSatisfy(s -> {
            assertThat(s.cpu()).isZero();
            assertThat(s.tid()).isEqualTo(pid);
            assertThat(s.period()).isPositive();
        });
        long inWorkload = childSamples.stream()
                .filter(s -> s.userIps().length > 0 && (within(s.userIps()[0], symbols.get("scorch_hot"))
                        || within(s.userIps()[0], symbols.get("scorch_cold"))))
                .count();
        assertThat(inWorkload).isGreaterThan(childSamples.size() / 2);
    }

    private static boolean within(long address, long[] range) {
        return address >= range[0] && address < range[1];
    }
}
