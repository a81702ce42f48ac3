package dev.scorch.collector.unwind;

import dev.scorch.collector.symbol.GoWorkload;
import dev.scorch.collector.symbol.GoWorkload.Flavour;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.GoPclntab;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ObjectUnwindInfoTest {

    /**
     * The unwinder asks for a Go leaf's SP delta on every sample of it: an address asked before is
     * answered without reading the file again (proved by closing the file: the answer stays).
     */
    @Test
    void aGoLeafsSpDeltaIsReadFromTheFileOncePerAddress() throws Exception {
        long leaf = GoWorkload.address(Flavour.FULL, "main.hotLoop");
        FileChannel channel = FileChannel.open(GoWorkload.binary(Flavour.STRIPPED));
        ElfFile elf = ElfFile.parse(ByteSource.of(channel));
        GoPclntab go = GoPclntab.find(elf);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, go);
        int[] fromFile = new int[64];
        for (int i = 0; i < fromFile.length; i++) {
            fromFile[i] = go.spDelta(leaf + i);
            assertThat(info.goSpDelta(leaf + i)).isEqualTo(fromFile[i]);
        }
        assertThat(fromFile[0]).as("at the entry the return address is at sp").isZero();

        channel.close();

        for (int i = 0; i < fromFile.length; i++) {
            assertThat(info.goSpDelta(leaf + i)).as("answer at +%d after the file closed", i).isEqualTo(fromFile[i]);
        }
        assertThat(info.goSpDelta(leaf + 4096)).as("an address never asked needs the file").isEqualTo(GoPclntab.UNKNOWN_SP_DELTA);
    }

    /**
     * A busy Go program's leaves spread over many addresses of fewer functions: once one address of
     * a function was asked, the others of that function are answered from its table, as the file
     * would answer them.
     */
    @Test
    void anAddressOfAFunctionReadBeforeIsAnsweredWithoutTheFile() throws Exception {
        long function = GoWorkload.address(Flavour.FULL, "runtime.mallocgc");
        Path binary = GoWorkload.binary(Flavour.STRIPPED);
        GoPclntab reference = GoPclntab.find(ElfFile.parse(ByteSource.of(FileChannel.open(binary))));
        FileChannel channel = FileChannel.open(binary);
        ObjectUnwindInfo info = new ObjectUnwindInfo(List.of(), null, GoPclntab.find(ElfFile.parse(ByteSource.of(channel))));

        assertThat(info.goSpDelta(function + 1)).isEqualTo(reference.spDelta(function + 1));
        channel.close();

        long end = reference.spDeltas(function).end();
        assertThat(end - function).as("runtime.mallocgc's size").isGreaterThan(100);
        boolean framed = false;
        for (long address = function + 2; address < end; address++) {
            int expected = reference.spDelta(address);
            assertThat(info.goSpDelta(address)).as("SP delta at runtime.mallocgc+%d", address - function).isEqualTo(expected);
            framed |= expected > 0;
        }
        assertThat(framed).as("runtime.mallocgc sets up a frame").isTrue();
        assertThat(info.goSpDelta(end)).as("the next function needs the file").isEqualTo(GoPclntab.UNKNOWN_SP_DELTA);
    }
}
