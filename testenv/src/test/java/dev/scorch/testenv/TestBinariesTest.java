package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestBinariesTest {

    @Test
    void aMissingBinaryStopsTheTierWithAMessageNamingItAndTheScriptThatBuildsIt(@TempDir Path emptyCache) {
        TestBinaries binaries = TestBinaries.at(emptyCache);

        assertThatThrownBy(() -> binaries.require(Tier.REAL_API_SERVER, binaries.apiServerBinaries()))
                .hasMessageContaining("tier 3 (real API server) cannot run")
                .hasMessageContaining(binaries.kubeApiServer().toString())
                .hasMessageContaining("hack/test-binaries.sh");
    }

    @Test
    void kubernetesBinariesLiveInTheVersionedDirectoryTheScriptFills(@TempDir Path cache) {
        TestBinaries binaries = TestBinaries.at(cache);

        assertThat(binaries.kubeApiServer())
                .isEqualTo(cache.resolve("k8s/" + TestBinaries.KUBERNETES_VERSION + "-linux-amd64/kube-apiserver"));
        assertThat(binaries.kwok()).isEqualTo(cache.resolve("tools/kwok-" + TestBinaries.KWOK_VERSION));
    }
}
