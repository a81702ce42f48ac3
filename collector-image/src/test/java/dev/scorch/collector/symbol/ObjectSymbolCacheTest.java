package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import dev.scorch.collector.symbol.elf.SymbolTableBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ObjectSymbolCacheTest {

    private final AtomicLong now = new AtomicLong();

    private static ObjectSymbols symbolsOfSize(int functions) {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(new byte[] {0, 'f', 0});
        for (int i = 0; i < functions; i++) {
            builder.add(0x1000 + i * 16L, 16, t, 1, 1);
        }
        return ObjectSymbols.absolute(builder.build());
    }

    @Test
    void leastRecentlyUsedEntriesLeaveWhenTheByteBoundIsExceeded() {
        ObjectSymbols a = symbolsOfSize(1000);
        ObjectSymbolCache cache = new ObjectSymbolCache(a.estimatedBytes() * 2 + 10, Duration.ofMinutes(5), now::get);
        cache.put("id-a", "a", a);
        cache.put("id-b", "b", symbolsOfSize(1000));
        cache.get("a"); // a is now the most recently used

        cache.put("id-c", "c", symbolsOfSize(1000));

        assertThat(cache.get("a")).isNotNull();
        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("c")).isNotNull();
        assertThat(cache.bytes()).isLessThanOrEqualTo(a.estimatedBytes() * 2 + 10);
    }

    @Test
    void anEntryLargerThanTheBoundIsStillKeptWhileItIsTheNewest() {
        ObjectSymbolCache cache = new ObjectSymbolCache(1, Duration.ofMinutes(5), now::get);
        cache.put("id", "big", symbolsOfSize(100));

        assertThat(cache.byIdentity("id")).isNotNull();
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void negativeEntriesExpire() {
        ObjectSymbolCache cache = new ObjectSymbolCache(1 << 20, Duration.ofSeconds(10), now::get);
        cache.putNegative("id", MissReason.MALFORMED_OBJECT);

        now.set(Duration.ofSeconds(9).toNanos());
        assertThat(cache.negative("id")).isEqualTo(MissReason.MALFORMED_OBJECT);
        now.set(Duration.ofSeconds(10).toNanos());
        assertThat(cache.negative("id")).isNull();
    }
}
