package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodPullTargetsTest {

    private static final Set<GoProfileType> WANTED = EnumSet.of(GoProfileType.HEAP, GoProfileType.ALLOCS, GoProfileType.GOROUTINE,
            GoProfileType.MUTEX);

    @Test
    void aPodWithoutAnnotationsIsNotPulled() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of("team", "a"), Map.of(), WANTED);

        assertThat(r.urls()).isEmpty();
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void scorchsPortAnnotationServesEveryWantedTypeAtItsNetHttpPprofPath() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of(PodPullTargets.PORT_ANNOTATION, "6060"), Map.of(), WANTED);

        assertThat(r.urls()).containsEntry(GoProfileType.HEAP, URI.create("http://10.1.2.3:6060/debug/pprof/heap"))
                .containsEntry(GoProfileType.MUTEX, URI.create("http://10.1.2.3:6060/debug/pprof/mutex"))
                .hasSize(4);
    }

    @Test
    void thePathAnnotationMovesThePrefixAndANamedPortIsLookedUp() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("fd00::7", Map.of(PodPullTargets.PORT_ANNOTATION, "debug",
                PodPullTargets.PATH_ANNOTATION, "/internal/pprof/"), Map.of("debug", 8081), Set.of(GoProfileType.GOROUTINE));

        assertThat(r.urls()).containsExactly(Map.entry(GoProfileType.GOROUTINE, URI.create("http://[fd00::7]:8081/internal/pprof/goroutine")));
    }

    @Test
    void grafanaAnnotationsAreHonouredPerType() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of(
                "profiles.grafana.com/memory.scrape", "true",
                "profiles.grafana.com/memory.port_name", "http",
                "profiles.grafana.com/goroutine.scrape", "true",
                "profiles.grafana.com/goroutine.port", "9090",
                "profiles.grafana.com/goroutine.path", "/custom/goroutines"), Map.of("http", 8080), WANTED);

        assertThat(r.urls()).containsExactlyInAnyOrderEntriesOf(Map.of(
                GoProfileType.ALLOCS, URI.create("http://10.1.2.3:8080/debug/pprof/allocs"),
                GoProfileType.GOROUTINE, URI.create("http://10.1.2.3:9090/custom/goroutines")));
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void grafanasScrapeFalseTurnsATypeOffThatScorchsAnnotationWouldPull() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of(PodPullTargets.PORT_ANNOTATION, "6060",
                "profiles.grafana.com/mutex.scrape", "false"), Map.of(), WANTED);

        assertThat(r.urls()).doesNotContainKey(GoProfileType.MUTEX).containsKey(GoProfileType.HEAP);
    }

    @Test
    void typesThePolicyDoesNotWantAreNotPulled() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of("profiles.grafana.com/block.scrape", "true",
                "profiles.grafana.com/block.port", "6060"), Map.of(), WANTED);

        assertThat(r.urls()).isEmpty();
    }

    @Test
    void badPortsAndPathsAreProblemsNamingTheAnnotation() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("10.1.2.3", Map.of(
                "profiles.grafana.com/memory.scrape", "true",
                "profiles.grafana.com/memory.port_name", "metrics",
                "profiles.grafana.com/goroutine.scrape", "true",
                "profiles.grafana.com/goroutine.port", "70000",
                "profiles.grafana.com/mutex.scrape", "true",
                "profiles.grafana.com/mutex.port", "6060",
                "profiles.grafana.com/mutex.path", "debug?x=1"), Map.of("http", 8080), WANTED);

        assertThat(r.urls()).isEmpty();
        assertThat(r.problems()).containsExactlyInAnyOrder(
                "profiles.grafana.com/memory.port_name: no container of the pod has a port named 'metrics' (known: http)",
                "profiles.grafana.com/goroutine.port: '70000' is not a port between 1 and 65535",
                "profiles.grafana.com/mutex.path: 'debug?x=1' is not an absolute path without query");
    }

    @Test
    void anAnnouncedPodWithoutAnIpIsAProblemNotASilence() {
        PodPullTargets.Resolution r = PodPullTargets.resolve("", Map.of(PodPullTargets.PORT_ANNOTATION, "6060"), Map.of(), WANTED);

        assertThat(r.urls()).isEmpty();
        assertThat(r.problems()).containsExactly("the pod has no IP yet");
    }
}
