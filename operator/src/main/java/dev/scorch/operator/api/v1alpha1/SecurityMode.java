package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How much privilege the collector container gets. */
public enum SecurityMode {
    /** Not privileged: all capabilities dropped, then only what sampling needs added back. */
    @JsonProperty("capabilities")
    CAPABILITIES,
    /** A privileged container, for kernels older than 5.8 or runtimes that lack CAP_PERFMON. */
    @JsonProperty("privileged")
    PRIVILEGED
}
