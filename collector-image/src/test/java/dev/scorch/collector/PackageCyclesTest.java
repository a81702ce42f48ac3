package dev.scorch.collector;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The collector's packages form a graph without cycles, so each can be read, tested and changed
 * from the bottom up (perf and process below symbol, profile, export; run and cli on top). Every
 * package is its own slice, sub-packages included: {@code export.parca} may use {@code export},
 * but then {@code export} must not use {@code export.parca}.
 */
class PackageCyclesTest {

    private static ArchRule noCyclesBetweenPackagesUnder(String root) {
        return slices().matching(root + ".(**)").should().beFreeOfCycles();
    }

    @Test
    void noCycleRunsBetweenTheCollectorsPackages() {
        JavaClasses collector = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.scorch.collector");

        noCyclesBetweenPackagesUnder("dev.scorch.collector").check(collector);
    }

    @Test
    void theGuardFailsOnACycleBetweenAPackageAndItsSubPackage() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.scorch.collector.cyclefixture.nested");

        assertThatThrownBy(() -> noCyclesBetweenPackagesUnder("dev.scorch.collector.cyclefixture").check(fixture))
                .hasMessageContaining("Cycle detected")
                .hasMessageContaining("nested.Outer")
                .hasMessageContaining("nested.inner.Inner");
    }

    @Test
    void theGuardFailsOnACycle() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.scorch.collector.cyclefixture");

        assertThatThrownBy(() -> noCyclesBetweenPackagesUnder("dev.scorch.collector.cyclefixture").check(fixture))
                .hasMessageContaining("Cycle detected")
                .hasMessageContaining("one")
                .hasMessageContaining("two");
    }
}
