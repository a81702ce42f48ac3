package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuditLogTest {

    private static final String AUDITED = "system:serviceaccount:audited:component";

    private static ControlPlane controlPlane;

    @BeforeAll
    static void startAuditedControlPlane() {
        controlPlane = ControlPlane.start(ControlPlane.Options.apiServerOnly()
                .auditedBy(AuditLog.policyForUsers(List.of(AUDITED))));
    }

    @AfterAll
    static void stop() {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @Test
    void recordsEveryRequestOfTheAuditedUserOnceWithVerbResourceAndOutcomeAndNothingOfOthers() {
        KubernetesClient admin = controlPlane.adminClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("audited").endMetadata().build()).create();
        admin.serviceAccounts().inNamespace("audited").resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("component").endMetadata().build()).create();
        KubernetesClient component = controlPlane.clientWithServiceAccountToken("audited", "component");

        assertThatThrownBy(() -> component.secrets().inNamespace("audited").withName("anything").get())
                .isInstanceOf(KubernetesClientException.class);

        List<AuditEvent> events = AuditLog.read(controlPlane.auditLog());
        assertThat(events).extracting(AuditEvent::effectiveUser).containsOnly(AUDITED);
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.verb()).isEqualTo("get");
            assertThat(event.resource()).isEqualTo("secrets");
            assertThat(event.namespace()).isEqualTo("audited");
            assertThat(event.name()).isEqualTo("anything");
            assertThat(event.code()).isEqualTo(403);
            assertThat(event.isWrite()).isFalse();
        });
    }
}
