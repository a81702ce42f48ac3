package dev.scorch.collector.sampling;

import dev.scorch.collector.perf.ForwardingRecordHandler;
import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;

/** Counts what the kernel reports and forwards every record. Called under the drain lock. */
final class CountingHandler extends ForwardingRecordHandler {
    volatile long samples;
    volatile long lost;
    volatile long throttles;
    volatile long malformed;

    CountingHandler(RecordHandler target) {
        super(target);
    }

    @Override
    public void sample(SampleRecord sample) {
        samples++;
        super.sample(sample);
    }

    @Override
    public void lost(long records) {
        lost += records;
        super.lost(records);
    }

    @Override
    public void throttled(boolean throttled) {
        if (throttled) {
            throttles++;
        }
        super.throttled(throttled);
    }

    @Override
    public void malformed(int type, String why) {
        malformed++;
        super.malformed(type, why);
    }
}
