package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.CollectorPodSettings;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.SecurityMode;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a live owned object counts as changed: only where a field the operator sets differs. */
class OwnedFieldsTest {

    private static final ProfilingPolicy POLICY = Policies.parse("owned", """
            nodes:
              tolerations:
                - {key: dedicated, operator: Equal, value: profiling, effect: NoSchedule}
                - {operator: Exists, effect: NoExecute}
            export:
              backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
            """);

    private static final OperatorSettings SETTINGS = new OperatorSettings("scorch-system",
            new CollectorPodSettings("scorch-collector:test", SecurityMode.CAPABILITIES,
                    new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("0.5"))
                            .addToRequests("memory", new Quantity("96Mi")).build(), null),
            OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);

    private static DaemonSet desired() {
        return CollectorDaemonSet.desired(List.of(POLICY), SETTINGS);
    }

    /** The desired object as the API server stores it: defaulted, canonicalised, with status. */
    private static DaemonSet live() {
        DaemonSet live = Serialization.clone(desired());
        live.getMetadata().setResourceVersion("4711");
        live.getMetadata().setAnnotations(Map.of("deprecated.daemonset.template.generation", "1"));
        PodSpec pod = live.getSpec().getTemplate().getSpec();
        pod.setDnsPolicy("ClusterFirst");
        pod.setRestartPolicy("Always");
        pod.setSchedulerName("default-scheduler");
        Container collector = pod.getContainers().getFirst();
        collector.setImagePullPolicy("IfNotPresent");
        collector.setTerminationMessagePath("/dev/termination-log");
        collector.getResources().getRequests().put("cpu", new Quantity("500m"));
        live.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(3).withNumberReady(2).build());
        return live;
    }

    private static PodSpec podSpec(DaemonSet daemonSet) {
        return daemonSet.getSpec().getTemplate().getSpec();
    }

    @Test
    void whatTheApiServerAddsIsNoDifference() {
        assertThat(OwnedFields.firstDifference(desired(), live())).isEmpty();
    }

    @Test
    void whatOthersAddBesideTheOperatorsFieldsIsNoDifference() {
        DaemonSet live = live();
        live.getMetadata().getLabels().put("team", "observability");
        List<io.fabric8.kubernetes.api.model.Toleration> tolerations = new ArrayList<>(podSpec(live).getTolerations());
        tolerations.addFirst(new TolerationBuilder().withKey("added-by-hand").withOperator("Exists").build());
        podSpec(live).setTolerations(tolerations);

        assertThat(OwnedFields.firstDifference(desired(), live)).isEmpty();
    }

    @Test
    void aChangedImageIsADifferenceNamedByItsPath() {
        DaemonSet live = live();
        podSpec(live).getContainers().getFirst().setImage("example.invalid/other:1");

        assertThat(OwnedFields.firstDifference(desired(), live))
                .contains("spec.template.spec.containers[0].image");
    }

    @Test
    void aRemovedTolerationIsADifference() {
        DaemonSet live = live();
        podSpec(live).setTolerations(List.of(podSpec(live).getTolerations().getLast()));

        assertThat(OwnedFields.firstDifference(desired(), live)).contains("spec.template.spec.tolerations[0]");
    }

    @Test
    void reorderedArgumentsAreADifference() {
        DaemonSet live = live();
        podSpec(live).getContainers().getFirst().setArgs(List.of("--config", "$(SCORCH_CONFIG)", "run"));

        assertThat(OwnedFields.firstDifference(desired(), live))
                .contains("spec.template.spec.containers[0].args[0]");
    }

    @Test
    void anotherResourceAmountIsADifference() {
        DaemonSet live = live();
        podSpec(live).getContainers().getFirst().getResources().getRequests().put("cpu", new Quantity("400m"));

        assertThat(OwnedFields.firstDifference(desired(), live))
                .contains("spec.template.spec.containers[0].resources.requests.cpu");
    }

    @Test
    void aMissingObjectIsADifference() {
        assertThat(OwnedFields.firstDifference(desired(), null)).isPresent();
    }
}
