package dev.scorch.operator;

/**
 * What the operator is configured with, independent of Quarkus so tests can build it directly.
 *
 * @param namespace the install namespace, where every policy's collector objects live
 * @param collectorImage the collector image used when a policy names none (released with the operator)
 */
public record OperatorSettings(String namespace, String collectorImage) {}
