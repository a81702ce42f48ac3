package dev.scorch.collector.unwind;

import dev.scorch.collector.symbol.GoWorkload;
import dev.scorch.collector.symbol.GoWorkload.Flavour;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.GoPclntab;
import dev.scorch.collector.symbol.elf.GoSpDeltas;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ObjectUnwindInfoTest {

    /**
     * The unwinder asks for a Go leaf's SP delta on every sample of it: once one address of a
     * function was asked, every address of that function is answered as the file would answer it,
     * without the file (proved by closing it).
     */
    @Test
    void aGoFunctionsTableIsReadFromTheFileOnceForAllItsAddresses() throws Exception {
        long function = GoWorkload.address(Flavour.FULL, "runtime.mallocgc");
        Path binary = GoWorkload.binary(Flavour.STRIPPED);
        GoSpDeltas reference = pclntab(binary).spDeltas(function);
        FileChannel channel = FileChannel.open(binary);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, GoPclntab.find(ElfFile.parse(ByteSource.of(channel))));

        assertThat(info.goSpDelta(function + 1)).isEqualTo(reference.at(function + 1));
        channel.close();

        assertThat(reference.end() - function).as("runtime.mallocgc's size").isGreaterThan(100);
        assertAnsweredAsTheFileAnswers(info, reference);
        assertThat(reference.at(function)).as("at the entry the return address is at sp").isZero();
        assertThat(info.goSpDelta(reference.end())).as("the next function needs the file").isEqualTo(GoSpDeltas.UNKNOWN);
    }

    /** The function with the most rows in a real Go binary is kept whole like any other. */
    @Test
    void aGoFunctionWithManyRowsIsKeptWhole() throws Exception {
        Path binary = GoWorkload.binary(Flavour.STRIPPED);
        GoSpDeltas largest = functions(binary).stream().max(Comparator.comparingInt(f -> f.ends().length)).orElseThrow();
        FileChannel channel = FileChannel.open(binary);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, GoPclntab.find(ElfFile.parse(ByteSource.of(channel))));

        info.goSpDelta(largest.entry());
        channel.close();

        assertThat(largest.ends().length).as("rows of the largest table").isGreaterThan(32);
        assertAnsweredAsTheFileAnswers(info, largest);
    }

    /** A binary whose text lies at high link-time addresses is answered from memory too. */
    @Test
    void aGoBinaryLinkedAtHighAddressesIsAnsweredWithoutTheFile() throws Exception {
        long high = 0x7fff_0000_0000L << 8;
        Path binary = GoWorkload.binary(Flavour.STRIPPED);
        long function = GoWorkload.address(Flavour.FULL, "runtime.mallocgc") - textStart(binary) + high;
        GoSpDeltas reference = relinked(FileChannel.open(binary), high).spDeltas(function);
        FileChannel channel = FileChannel.open(binary);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, relinked(channel, high));

        info.goSpDelta(function);
        channel.close();

        assertThat(reference.entry()).isEqualTo(function);
        assertAnsweredAsTheFileAnswers(info, reference);
    }

    /**
     * Meeting more functions than the cache keeps starts it over; every answer stays the file's,
     * for each function of a real Go binary asked in turn, and again in reverse.
     */
    @Test
    void moreFunctionsThanKeptAreAnsweredAsTheFileAnswers() throws Exception {
        Path binary = GoWorkload.binary(Flavour.STRIPPED);
        List<GoSpDeltas> functions = functions(binary);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, pclntab(binary));

        assertThat(functions.size()).isGreaterThan(GoSpDeltaCache.MAX_FUNCTIONS);
        for (GoSpDeltas function : functions) {
            assertAnsweredAsTheFileAnswers(info, function);
        }
        for (GoSpDeltas function : functions.reversed()) {
            assertAnsweredAsTheFileAnswers(info, function);
        }
    }

    private static void assertAnsweredAsTheFileAnswers(ObjectUnwindInfo info, GoSpDeltas function) {
        for (long address = function.entry(); address < function.end(); address++) {
            assertThat(info.goSpDelta(address)).as("SP delta at 0x%x, +%d", function.entry(), address - function.entry())
                    .isEqualTo(function.at(address));
        }
    }

    private static GoPclntab pclntab(Path binary) throws Exception {
        return GoPclntab.find(ElfFile.parse(ByteSource.of(FileChannel.open(binary))));
    }

    private static long textStart(Path binary) throws Exception {
        return ElfFile.parse(ByteSource.of(FileChannel.open(binary))).section(".text").orElseThrow().address();
    }

    /** The binary's table read as if its text had been linked at {@code textStart}. */
    private static GoPclntab relinked(FileChannel channel, long textStart) throws Exception {
        ElfFile elf = ElfFile.parse(ByteSource.of(channel));
        ElfFile.Section section = elf.section(".gopclntab").orElseThrow();
        return GoPclntab.parse(elf.source(), section.offset(), section.size(), textStart, 0);
    }

    /** Every function of the binary's table, in address order. */
    private static List<GoSpDeltas> functions(Path binary) throws Exception {
        GoPclntab go = pclntab(binary);
        List<GoSpDeltas> functions = new ArrayList<>();
        for (GoSpDeltas f = go.spDeltas(textStart(binary)); f != null; f = go.spDeltas(f.end())) {
            functions.add(f);
        }
        return functions;
    }
}
