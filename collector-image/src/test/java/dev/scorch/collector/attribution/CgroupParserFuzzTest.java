package dev.scorch.collector.attribution;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Any {@code /proc/<pid>/cgroup} content names a container or nothing, never an exception. */
class CgroupParserFuzzTest {

    private static final String KUBEPODS = "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789"
            + ".slice/cri-containerd-" + "ab".repeat(32) + ".scope\n";

    static void parse(byte[] bytes) {
        String content = new String(bytes, StandardCharsets.UTF_8);
        CgroupParser.parse(content);
        CgroupParser.parsePath(content);
    }

    @FuzzTest(maxDuration = "1m")
    void anyCgroupFileParses(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        parse(bytes);
    }

    @Test
    void mutantsOfAKubeletCgroupParse() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(KUBEPODS, "12:cpu,cpuacct:/docker/" + "cd".repeat(32) + "\n0::/\n"),
                300, 41), 64L << 20, CgroupParserFuzzTest::parse);
    }
}
