package dev.scorch.collector.kubernetes;

import static dev.scorch.collector.kubernetes.CollectorOnApiServerTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: how the pod watch recovers, against a real kube-apiserver: an expired resourceVersion
 * (410 Gone) makes it list again, lists come in pages, and a failing watch says since when and why
 * in its health until it works again.
 */
class PodWatchRecoveryTest {

    static final String NAMESPACE = "recovery";
    static final String NODE = "node-pages";
    static final int PODS = 5;
    static final Duration WAIT = Duration.ofSeconds(30);

    static ControlPlane controlPlane;
    static KubernetesClient admin;
    static ApiServer collectorApi;

    @BeforeAll
    static void fivePodsOnOneNode() throws Exception {
        controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        admin = controlPlane.adminClient();
        collectorApi = CollectorServiceAccount.create(controlPlane);
        CollectorServiceAccount.namespaceWithDefaultAccount(admin, NAMESPACE, Map.of());
        if (admin.pods().inNamespace(NAMESPACE).list().getItems().isEmpty()) {
            for (int i = 0; i < PODS; i++) {
                NodePods.create(admin, NAMESPACE, "paged-" + i, NODE, NodePods.containerId(), null);
            }
        }
    }

    private static ListWatch watch(ApiServer api, PodCache pods, int pageSize, String resumeFrom) {
        return new ListWatch(api, "/api/v1/pods", "spec.nodeName=" + NODE, pods, ListWatch.WATCH_SECONDS, pageSize, resumeFrom).start();
    }

    private static PodCache cache() {
        return new PodCache(object -> new Workload("Pod", object.member("metadata").member("name").stringOr("")));
    }

    @Test
    void aWatchFromAnExpiredResourceVersionListsAgain() throws Exception {
        PodCache pods = cache();
        try (ListWatch watch = watch(collectorApi, pods, ListWatch.PAGE_SIZE, "1")) {
            assertThat(watch.awaitSynced(WAIT)).as("a list after the server answered 410 Gone").isTrue();

            assertThat(pods.size()).isEqualTo(PODS);
            assertThat(watch.health().relists()).isEqualTo(1);
            assertThat(watch.health().failing()).isFalse();
        }
    }

    @Test
    void aListAfterA410ComesInPagesOfTheLimit() throws Exception {
        PodCache pods = cache();
        try (ListWatch watch = watch(collectorApi, pods, 2, "1")) {
            assertThat(watch.awaitSynced(WAIT)).isTrue();

            assertThat(pods.size()).isEqualTo(PODS);
            assertThat(watch.health().pages()).isEqualTo((PODS + 1) / 2);
        }
    }

    @Test
    void theFirstListWithASmallLimitStillHoldsEveryPod() throws Exception {
        PodCache pods = cache();
        try (ListWatch watch = watch(collectorApi, pods, 2, null)) {
            assertThat(watch.awaitSynced(WAIT)).isTrue();

            assertThat(pods.size()).isEqualTo(PODS);
            assertThat(watch.health().relists()).isZero();
        }
    }

    @Test
    void aForbiddenWatchSaysSinceWhenAndWhyUntilItsRightsArriveThenRecovers() throws Exception {
        String name = "unbound-" + UUID.randomUUID().toString().substring(0, 8);
        admin.serviceAccounts().inNamespace(CollectorServiceAccount.NAMESPACE)
                .resource(new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
        String token = controlPlane.serviceAccountToken(CollectorServiceAccount.NAMESPACE, name);
        ApiServer unbound = new ApiServer(URI.create(controlPlane.url()),
                ApiServer.trusting(controlPlane.certificateAuthorityPem().getBytes(StandardCharsets.UTF_8)), () -> token);
        PodCache pods = cache();
        try (ListWatch watch = watch(unbound, pods, ListWatch.PAGE_SIZE, null)) {
            awaitTrue(() -> watch.health().failing(), "the forbidden list to show in the watch's health");
            assertThat(watch.health().lastError()).contains("403");
            assertThat(watch.health().synced()).isFalse();

            admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "scorch-collector")
                    .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(name)
                            .withNamespace(CollectorServiceAccount.NAMESPACE).build())
                    .build()).serverSideApply();

            assertThat(watch.awaitSynced(Duration.ofSeconds(90))).as("the list once the rights arrived").isTrue();
            assertThat(watch.health().failing()).isFalse();
            assertThat(watch.health().failures()).isPositive();
            assertThat(pods.size()).isEqualTo(PODS);
        }
    }
}
