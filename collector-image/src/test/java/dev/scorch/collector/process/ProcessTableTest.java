package dev.scorch.collector.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessTableTest {

    @TempDir
    Path proc;

    private void fakeProcess(int pid, String maps, String status) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("maps"), maps);
        Files.writeString(dir.resolve("status"), status);
    }

    private void deleteFakeProcess(int pid) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        Files.delete(dir.resolve("maps"));
        Files.delete(dir.resolve("status"));
        Files.delete(dir);
    }

    @Test
    void firstSampleOfAProcessReadsItsExecutableMappingsAndNamesFromProc() throws IOException {
        fakeProcess(40, """
                00400000-00401000 r--p 00000000 08:01 1234                               /srv/app
                00401000-00402000 r-xp 00001000 08:01 1234                               /srv/app
                7f0000000000-7f0000100000 r-xp 00000000 08:01 99                         /usr/lib/libc.so.6
                7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0                          [stack]
                """, "Name:\tapp\nNSpid:\t40\t7\n");
        ProcessTable table = new ProcessTable(proc);

        table.sampled(40);

        ProcessSnapshot p = table.process(40).orElseThrow();
        assertThat(p.command()).isEqualTo("app");
        assertThat(p.namespacePid()).isEqualTo(7);
        assertThat(p.mappingAt(0x401800)).get().extracting(Mapping::path, Mapping::fileOffset, Mapping::inode)
                .containsExactly("/srv/app", 0x1000L, 1234L);
        assertThat(p.mappingAt(0x400800)).as("not executable").isEmpty();
        assertThat(p.mappingAt(0x7f0000000010L)).get().extracting(Mapping::path).isEqualTo("/usr/lib/libc.so.6");
    }

    @Test
    void mapsLinesWithSpacesInPathsOrNoPathParse() {
        assertThat(MapsLine.parse("7f00-7f10 r-xp 00000000 08:01 5   /opt/my app/lib.so (deleted)"))
                .extracting(Mapping::path, Mapping::executable).containsExactly("/opt/my app/lib.so", true);
        assertThat(MapsLine.parse("7f00-7f10 r-xp 00000000 00:00 0 ")).extracting(Mapping::path).isEqualTo("");
        assertThat(MapsLine.parse("garbage")).isNull();
        assertThat(MapsLine.parse("7f10-7f00 r-xp 00000000 00:00 0")).as("end before start").isNull();
    }

    @Test
    void forkedChildInheritsItsParentsMappingsWithoutAnyProcEntry() throws IOException {
        fakeProcess(40, "00401000-00402000 r-xp 00001000 08:01 1234 /srv/app\n", "Name:\tapp\n");
        ProcessTable table = new ProcessTable(proc);
        table.sampled(40);

        table.forked(41, 40);
        table.sampled(41);

        assertThat(table.process(41).orElseThrow().mappingAt(0x401000)).get().extracting(Mapping::path).isEqualTo("/srv/app");
        assertThat(table.process(41).orElseThrow().command()).isEqualTo("app");
    }

    @Test
    void childOfAProcessThatRanBeforeSamplingStartedResolvesAfterBothAreGoneFromProc() throws IOException {
        fakeProcess(40, "00401000-00402000 r-xp 00001000 08:01 1234 /srv/forker\n", "Name:\tforker\n");
        ProcessTable table = new ProcessTable(proc);

        assertThat(table.learnRunningProcesses()).isEqualTo(1);
        deleteFakeProcess(40);
        table.sampled(41);
        table.forked(41, 40);

        assertThat(table.process(41).orElseThrow().mappingAt(0x401800)).get().extracting(Mapping::path).isEqualTo("/srv/forker");
        assertThat(table.process(41).orElseThrow().command()).isEqualTo("forker");
    }

    @Test
    void processesWithoutExecutableMappingsAreNotLearntAtStart() throws IOException {
        fakeProcess(2, "", "Name:\tkthreadd\n");
        ProcessTable table = new ProcessTable(proc);

        assertThat(table.learnRunningProcesses()).isZero();
        assertThat(table.size()).isZero();
    }

    @Test
    void execReplacesTheOldImageWithTheMappingsThatFollow() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(50, 0x400000, 0x1000, 0, 1, "/bin/sh", 1);

        table.commandChanged(50, 50, "worker", true, 2);
        table.mapped(50, 0x500000, 0x1000, 0, 2, "/srv/worker", 3);

        ProcessSnapshot p = table.process(50).orElseThrow();
        assertThat(p.command()).isEqualTo("worker");
        assertThat(p.mappingAt(0x400000)).isEmpty();
        assertThat(p.mappingAt(0x500000)).get().extracting(Mapping::path).isEqualTo("/srv/worker");
    }

    @Test
    void aMappingOfTheNewImageReadBeforeItsExecSurvivesTheExec() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(50, 0x400000, 0x1000, 0, 1, "/bin/sh", 10);

        table.mapped(50, 0x7f0000, 0x1000, 0, 3, "/lib/libc.so.6", 30);
        table.commandChanged(50, 50, "worker", true, 20);

        ProcessSnapshot p = table.process(50).orElseThrow();
        assertThat(p.mappingAt(0x400000)).as("the old image").isEmpty();
        assertThat(p.mappingAt(0x7f0000)).get().extracting(Mapping::path).isEqualTo("/lib/libc.so.6");
    }

    @Test
    void aMappingOfTheOldImageReadAfterTheExecIsIgnored() {
        ProcessTable table = new ProcessTable(proc);
        table.commandChanged(50, 50, "worker", true, 20);

        table.mapped(50, 0x400000, 0x1000, 0, 1, "/bin/sh", 10);

        assertThat(table.process(50).orElseThrow().mappingAt(0x400000)).isEmpty();
    }

    @Test
    void anExecReadAfterALaterOneChangesNothing() {
        ProcessTable table = new ProcessTable(proc);
        table.commandChanged(50, 50, "second", true, 20);
        table.mapped(50, 0x500000, 0x1000, 0, 2, "/srv/second", 25);

        table.commandChanged(50, 50, "first", true, 10);

        ProcessSnapshot p = table.process(50).orElseThrow();
        assertThat(p.command()).isEqualTo("second");
        assertThat(p.mappingAt(0x500000)).isPresent();
    }

    @Test
    void aNewMappingReplacesTheRangeItOverlaps() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(50, 0x400000, 0x3000, 0, 1, "/old", 1);

        table.mapped(50, 0x401000, 0x1000, 0, 2, "/new", 1);

        ProcessSnapshot p = table.process(50).orElseThrow();
        assertThat(p.mappingAt(0x401000)).get().extracting(Mapping::path).isEqualTo("/new");
        assertThat(p.mappingAt(0x400000)).isEmpty();
    }

    @Test
    void exitedProcessResolvesUntilTheIntervalThatSawItIsDrained() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(60, 0x400000, 0x1000, 0, 1, "/bin/short", 1);
        table.sampled(60);

        table.exited(60, 60);

        assertThat(table.process(60)).get().extracting(ProcessSnapshot::exited).isEqualTo(true);
        assertThat(table.process(60).orElseThrow().mappingAt(0x400000)).isPresent();
        assertThat(table.intervalDrained()).containsExactly(60);
        assertThat(table.process(60)).isEmpty();
    }

    @Test
    void threadExitLeavesTheProcess() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(60, 0x400000, 0x1000, 0, 1, "/bin/app", 1);

        table.exited(60, 61);

        assertThat(table.process(60).orElseThrow().exited()).isFalse();
    }

    @Test
    void processWithoutExitRecordIsForgottenOnceUnseenAndGoneFromProc() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(70, 0x400000, 0x1000, 0, 1, "/bin/app", 1);

        assertThat(table.intervalDrained()).as("seen in the drained interval").isEmpty();
        assertThat(table.intervalDrained()).as("unseen for one interval").isEmpty();
        assertThat(table.intervalDrained()).as("unseen for two intervals").containsExactly(70);
    }

    @Test
    void anExitedProcessThatWasSampledIsKeptOneRoundLongerWhenConsumersFinishAtDifferentTimes() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(60, 0x400000, 0x1000, 0, 1, "/bin/short", 1);
        table.sampled(60);
        table.exited(60, 60);

        assertThat(table.intervalDrainedKeepingLatestExits()).isEmpty();
        assertThat(table.intervalDrainedKeepingLatestExits()).containsExactly(60);
    }

    @Test
    void anExitedProcessNeverSampledIsForgottenAtTheNextDrainEvenWhenLatestExitsAreKept() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(61, 0x400000, 0x1000, 0, 1, "/bin/true", 1);
        table.exited(61, 61);

        assertThat(table.intervalDrainedKeepingLatestExits()).containsExactly(61);
        assertThat(table.process(61)).isEmpty();
    }

    @Test
    void churnOfShortLivedProcessesNeverSampledStaysWithinTheBound() {
        ProcessTable table = new ProcessTable(proc, 100);
        for (int pid = 1000; pid < 11_000; pid++) {
            exitedNeverSampled(table, pid);
        }

        assertThat(table.size()).isLessThanOrEqualTo(100);
        assertThat(table.untracked()).isZero();
        assertThat(table.evictions()).isGreaterThanOrEqualTo(10_000 - 100);
    }

    @Test
    void exitedProcessesNeverSampledGoOnceTheTableHoldsAQuarterOfItsBound() {
        ProcessTable table = new ProcessTable(proc, 400);
        liveAndSampledExited(table);
        for (int pid = 1000; pid < 1300; pid++) {
            exitedNeverSampled(table, pid);
        }

        assertThat(table.size()).isLessThanOrEqualTo(100);
        assertLiveAndSampledExitedKept(table);
    }

    @Test
    void aFullTableMakesRoomFromExitedProcessesNeverSampledAndKeepsLiveAndSampledOnes() {
        ProcessTable table = new ProcessTable(proc, 4);
        liveAndSampledExited(table);
        exitedNeverSampled(table, 12);
        exitedNeverSampled(table, 13);

        table.mapped(14, 0x400000, 0x1000, 0, 1, "/bin/new", 1);

        assertThat(table.process(14)).as("the new process").isPresent();
        assertLiveAndSampledExitedKept(table);
        assertThat(table.process(12)).isEmpty();
        assertThat(table.process(13)).isEmpty();
        assertThat(table.intervalDrained()).as("evicted pids are reported at the drain").contains(12, 13);
    }

    @Test
    void processesMappingTheSameFileOrRunningTheSameCommandShareOneCopyOfItsName() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(80, 0x7f0000, 0x1000, 0, 3, new String("/lib/libc.so.6"), 1);
        table.mapped(81, 0x7e0000, 0x1000, 0, 3, new String("/lib/libc.so.6"), 1);
        table.commandChanged(80, 80, new String("worker"), false, 2);
        table.commandChanged(81, 81, new String("worker"), false, 2);

        ProcessSnapshot first = table.process(80).orElseThrow();
        ProcessSnapshot second = table.process(81).orElseThrow();
        assertThat(second.mappingAt(0x7e0000).orElseThrow().path()).isSameAs(first.mappingAt(0x7f0000).orElseThrow().path());
        assertThat(second.command()).isSameAs(first.command());
    }

    @Test
    void namesNoProcessHoldsAnyMoreGoWhenTheTableIsDrained() {
        ProcessTable table = new ProcessTable(proc);
        table.mapped(80, 0x7f0000, 0x1000, 0, 3, "/lib/libc.so.6", 1);
        table.mapped(81, 0x400000, 0x1000, 0, 4, "/bin/short", 1);
        table.commandChanged(81, 81, "short", false, 1);
        table.exited(81, 81);

        table.intervalDrained();

        assertThat(table.sharedNames()).as("libc's path").isEqualTo(1);
    }

    /** A live process 10, and 11, sampled, then exited. */
    private static void liveAndSampledExited(ProcessTable table) {
        table.mapped(10, 0x400000, 0x1000, 0, 1, "/bin/live", 1);
        table.mapped(11, 0x400000, 0x1000, 0, 1, "/bin/sampled", 1);
        table.sampled(11);
        table.exited(11, 11);
    }

    private static void assertLiveAndSampledExitedKept(ProcessTable table) {
        assertThat(table.process(10)).as("the live process").isPresent();
        assertThat(table.process(11)).as("the exited process with samples").isPresent();
    }

    /** A short-lived process that exits before any sample of it. */
    private static void exitedNeverSampled(ProcessTable table, int pid) {
        table.mapped(pid, 0x400000, 0x1000, 0, 1, "/bin/true", 1);
        table.exited(pid, pid);
    }

    @Test
    void aTableFullOfLiveProcessesRefusesNewOnesAndCountsThem() {
        ProcessTable table = new ProcessTable(proc, 2);
        table.mapped(10, 0x400000, 0x1000, 0, 1, "/bin/live", 1);
        table.mapped(11, 0x400000, 0x1000, 0, 1, "/bin/live", 1);

        table.mapped(12, 0x400000, 0x1000, 0, 1, "/bin/new", 1);

        assertThat(table.process(12)).isEmpty();
        assertThat(table.untracked()).isEqualTo(1);
        assertThat(table.process(10)).isPresent();
    }
}
