package dev.scorch.collector.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.attribution.LabelSelector.Operator;
import dev.scorch.collector.attribution.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

    @Test
    void anEmptySelectorSelectsEverything() {
        assertThat(LabelSelector.EVERYTHING.matches(Map.of())).isTrue();
        assertThat(LabelSelector.EVERYTHING.matches(Map.of("app", "api"))).isTrue();
    }

    @Test
    void matchLabelsNeedEveryPairWithTheSameValue() {
        LabelSelector selector = new LabelSelector(Map.of("team", "checkout", "tier", "web"), List.of());

        assertThat(selector.matches(Map.of("team", "checkout", "tier", "web", "extra", "x"))).isTrue();
        assertThat(selector.matches(Map.of("team", "checkout"))).isFalse();
        assertThat(selector.matches(Map.of("team", "checkout", "tier", "db"))).isFalse();
    }

    @Test
    void inNeedsThePresentKeyWithOneOfTheValues() {
        Requirement in = new Requirement("app", Operator.In, List.of("api", "worker"));

        assertThat(in.matches(Map.of("app", "worker"))).isTrue();
        assertThat(in.matches(Map.of("app", "db"))).isFalse();
        assertThat(in.matches(Map.of())).isFalse();
    }

    @Test
    void notInHoldsWhenTheKeyIsAbsent() {
        Requirement notIn = new Requirement("app", Operator.NotIn, List.of("api"));

        assertThat(notIn.matches(Map.of())).isTrue();
        assertThat(notIn.matches(Map.of("app", "db"))).isTrue();
        assertThat(notIn.matches(Map.of("app", "api"))).isFalse();
    }

    @Test
    void existsAndDoesNotExistLookOnlyAtTheKey() {
        Requirement exists = new Requirement("canary", Operator.Exists, List.of());
        Requirement doesNotExist = new Requirement("canary", Operator.DoesNotExist, List.of());

        assertThat(exists.matches(Map.of("canary", ""))).isTrue();
        assertThat(exists.matches(Map.of())).isFalse();
        assertThat(doesNotExist.matches(Map.of())).isTrue();
        assertThat(doesNotExist.matches(Map.of("canary", "true"))).isFalse();
    }

    @Test
    void labelsAndExpressionsMustAllHold() {
        LabelSelector selector = new LabelSelector(Map.of("team", "checkout"),
                List.of(new Requirement("app", Operator.In, List.of("api")),
                        new Requirement("canary", Operator.DoesNotExist, List.of())));

        assertThat(selector.matches(Map.of("team", "checkout", "app", "api"))).isTrue();
        assertThat(selector.matches(Map.of("team", "checkout", "app", "api", "canary", "1"))).isFalse();
        assertThat(selector.matches(Map.of("team", "other", "app", "api"))).isFalse();
    }
}
