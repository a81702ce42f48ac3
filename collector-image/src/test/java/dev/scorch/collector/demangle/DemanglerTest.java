package dev.scorch.collector.demangle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Expected names are what binutils' c++filt and LLVM's llvm-cxxfilt print for the same symbols. */
class DemanglerTest {

    @TempDir
    Path dir;

    @Test
    void cxxNestedNamesWithFunctionPointerParametersAndSubstitutions() {
        assertThat(Demangler.demangle("_ZN6icu_726UStackC1EPFvPvEPFa8UElementS4_ER10UErrorCode"))
                .isEqualTo("icu_72::UStack::UStack(void (*)(void*), signed char (*)(UElement, UElement), UErrorCode&)");
    }

    @Test
    void cxxTemplatesLiteralsThunksAndDestructors() {
        assertThat(Demangler.demangle("_ZGVNSt10moneypunctIcLb1EE2idE")).isEqualTo("guard variable for std::moneypunct<char, true>::id");
        assertThat(Demangler.demangle("_ZTv0_n24_NSt7__cxx1119basic_ostringstreamIwSt11char_traitsIwESaIwEED1Ev"))
                .isEqualTo("virtual thunk to std::__cxx11::basic_ostringstream<wchar_t, std::char_traits<wchar_t>, "
                        + "std::allocator<wchar_t> >::~basic_ostringstream()");
        assertThat(Demangler.demangle("_ZN10__cxxabiv117__class_type_infoD0Ev"))
                .isEqualTo("__cxxabiv1::__class_type_info::~__class_type_info()");
    }

    @Test
    void cxxConstMemberFunctionsAndCloneSuffixes() {
        assertThat(Demangler.demangle("_ZNKSt9exception4whatEv")).isEqualTo("std::exception::what() const");
        assertThat(Demangler.demangle("_ZN3foo3barEv.cold")).isEqualTo("foo::bar() [clone .cold]");
    }

    @Test
    void rustLegacyNamesLoseTheirHashAndEscapes() {
        assertThat(Demangler.demangle("_ZN4core3fmt9Formatter3pad17h0123456789abcdefE")).isEqualTo("core::fmt::Formatter::pad");
        assertThat(Demangler.demangle("_ZN66_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h1111111111111111E"))
                .isEqualTo("<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop");
    }

    @Test
    void rustV0PathsClosuresImplsAndGenerics() {
        assertThat(Demangler.demangle("_RNvNtCs1234_7mycrate3foo3bar")).isEqualTo("mycrate::foo::bar");
        assertThat(Demangler.demangle("_RNCNvCsd4xyz_5hello4main0B5_")).isEqualTo("hello::main::{closure#0}");
        assertThat(Demangler.demangle("_RINvNtC3std3mem8align_ofdE")).isEqualTo("std::mem::align_of::<f64>");
        assertThat(Demangler.demangle("_RNvMNtCs1234_7mycrate3fooNtB2_3Bar3new")).isEqualTo("<mycrate::foo::Bar>::new");
        assertThat(Demangler.demangle("_RNvXs_NtCs1234_7mycrate3fooNtB4_3BarNtNtCs5_4core3fmt7Display3fmt"))
                .isEqualTo("<mycrate::foo::Bar as core::fmt::Display>::fmt");
        assertThat(Demangler.demangle("_RINvCs1234_7mycrate4funcRShEB2_")).isEqualTo("mycrate::func::<&[u8]>");
    }

    @Test
    void namesThatAreNotMangledOrNotUnderstoodComeBackUnchanged() {
        for (String name : List.of("main", "do_syscall_64", "runtime.mallocgc", "_Z", "_ZN3foo", "_RNvC", "_ZZZZ", "_R0abc")) {
            assertThat(Demangler.demangle(name)).isEqualTo(name);
        }
    }

    @Test
    void agreesWithCxxFiltOnLibstdcxxsExportedSymbols() throws Exception {
        Path library = Path.of("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        Tier.UNIT.require(ExternalTools.onPath("c++filt").isPresent() && ExternalTools.onPath("nm").isPresent() && Files.exists(library),
                "binutils (nm, c++filt) and libstdc++ are the reference: apt-get install binutils libstdc++6");
        List<String> symbols = ExternalTools.run(dir, "nm", "-D", "--defined-only", library.toString()).lines()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1).replaceAll("@.*", ""))
                .filter(symbol -> symbol.startsWith("_Z")).distinct().toList();
        Path input = Files.write(dir.resolve("symbols.txt"), symbols);
        List<String> expected = new ProcessBuilder("c++filt").redirectInput(input.toFile()).start().inputReader().lines().toList();

        int identical = 0;
        int unchanged = 0;
        for (int i = 0; i < symbols.size(); i++) {
            String ours = Demangler.demangle(symbols.get(i));
            identical += ours.equals(expected.get(i)) ? 1 : 0;
            unchanged += ours.equals(symbols.get(i)) ? 1 : 0;
        }
        System.out.printf("demangled %d libstdc++ symbols: %d as c++filt prints them, %d left mangled%n", symbols.size(), identical, unchanged);
        assertThat(symbols).hasSizeGreaterThan(1000);
        assertThat(identical).isGreaterThan(symbols.size() * 9 / 10);
        assertThat(unchanged).isLessThan(symbols.size() / 20);
    }
}
