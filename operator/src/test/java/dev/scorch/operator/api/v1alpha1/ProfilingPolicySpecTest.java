package dev.scorch.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** The Java model applies the same defaults as the CRD schema, so code never sees a missing field. */
class ProfilingPolicySpecTest {

    @Test
    void minimalPolicyGetsTheSchemaDefaults() {
        ProfilingPolicy policy = Serialization.unmarshal("""
                apiVersion: scorch.dev/v1alpha1
                kind: ProfilingPolicy
                metadata: {name: minimal}
                spec:
                  export:
                    backends: [{name: parca, parca: {address: 'parca:7070'}}]
                """, ProfilingPolicy.class);

        ProfilingPolicySpec spec = policy.getSpec();
        assertThat(spec.suspend()).isFalse();
        assertThat(spec.sampling().frequencyHz()).isEqualTo(19);
        assertThat(spec.sampling().kernelStacks()).isTrue();
        assertThat(spec.sampling().jvmSymbols()).isTrue();
        assertThat(spec.export().interval()).isEqualTo("15s");
        assertThat(spec.export().spool().maxBytes()).isEqualTo(new Quantity("256Mi"));
        assertThat(spec.export().backends().getFirst().parca().insecure()).isFalse();
        assertThat(spec.collector()).as("the ignored spec.collector has no default").isNull();
    }

    @Test
    void securityModeUsesTheLowerCaseNamesOfTheSchema() {
        CollectorSettings collector = new CollectorSettings(null, SecurityMode.PRIVILEGED, null, null);

        assertThat(Serialization.asJson(collector)).isEqualTo("{\"securityMode\":\"privileged\"}");
    }

    @Test
    void backendKindNamesTheOneKindSet() {
        assertThat(new Backend("g", new PyroscopeBackend("http://p:4040", null, null, null, null), null, null).kind())
                .isEqualTo("pyroscope");
        assertThat(new Backend("o", null, null, new OtlpBackend("http://o:4318", null, null, null)).kind())
                .isEqualTo("otlp");
    }

    @Test
    void statusFindsAConditionByType() {
        PolicyCondition ready = new PolicyCondition("Ready", "True", "Collecting", "all good", null, 1L);
        ProfilingPolicyStatus status = new ProfilingPolicyStatus(1L, java.util.List.of(ready), null, null, null, null);

        assertThat(status.condition("Ready")).isEqualTo(ready);
        assertThat(status.condition("Degraded")).isNull();
    }
}
