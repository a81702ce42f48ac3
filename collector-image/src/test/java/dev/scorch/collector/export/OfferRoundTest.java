package dev.scorch.collector.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a round commits its written profiles: every file forced, each directory synced once, then all queued. */
class OfferRoundTest {

    /** A written profile that records what the round asks of it into a shared log. */
    private static final class Write implements OfferRound.Pending {
        final String name;
        final Path directory;
        final List<String> log;
        final boolean forceFails;
        IOException completedWith;
        boolean completed;

        Write(String name, Path directory, List<String> log, boolean forceFails) {
            this.name = name;
            this.directory = directory;
            this.log = log;
            this.forceFails = forceFails;
        }

        @Override
        public void force() throws IOException {
            log.add("force " + name);
            if (forceFails) {
                throw new IOException("device gone");
            }
        }

        @Override
        public Path directory() {
            return directory;
        }

        @Override
        public void syncDirectory() {
            log.add("sync " + directory);
        }

        @Override
        public void complete(IOException failure) {
            log.add("queue " + name);
            completed = true;
            completedWith = failure;
        }
    }

    @Test
    void everyFileIsForcedAndEachDirectorySyncedOnceBeforeAnyProfileIsQueued() {
        List<String> log = new ArrayList<>();
        OfferRound round = new OfferRound();
        round.add(new Write("a1", Path.of("a"), log, false));
        round.add(new Write("b1", Path.of("b"), log, false));
        round.add(new Write("a2", Path.of("a"), log, false));

        round.commit();

        assertThat(log).containsExactly("force a1", "force b1", "force a2", "sync a", "sync b", "queue a1", "queue b1", "queue a2");
        assertThat(round.pending()).isZero();
    }

    @Test
    void aWriteThatCannotBeForcedIsCompletedWithItsFailureAndTheOthersAreDurable() {
        List<String> log = new ArrayList<>();
        OfferRound round = new OfferRound();
        Write failing = new Write("a1", Path.of("a"), log, true);
        Write fine = new Write("a2", Path.of("a"), log, false);
        round.add(failing);
        round.add(fine);

        round.commit();

        assertThat(failing.completedWith).hasMessageContaining("device gone");
        assertThat(fine.completed).isTrue();
        assertThat(fine.completedWith).isNull();
    }

    @Test
    void aRoundHoldingItsBoundOfOpenWritesCommitsThemBeforeTakingAnother() {
        List<String> log = new ArrayList<>();
        OfferRound round = new OfferRound();
        List<Write> first = new ArrayList<>();
        for (int i = 0; i < OfferRound.MAX_PENDING; i++) {
            first.add(new Write("w" + i, Path.of("a"), log, false));
            round.add(first.getLast());
        }
        assertThat(first).noneMatch(write -> write.completed);

        round.add(new Write("next", Path.of("a"), log, false));

        assertThat(first).allMatch(write -> write.completed);
        assertThat(round.pending()).isEqualTo(1);
    }
}
