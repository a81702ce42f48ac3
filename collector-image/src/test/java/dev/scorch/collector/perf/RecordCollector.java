package dev.scorch.collector.perf;

import java.util.ArrayList;
import java.util.List;

/** Test handler that keeps what it was given, as text, in order. */
final class RecordCollector implements RecordHandler {

    final List<String> events = new ArrayList<>();
    final List<long[]> kernelStacks = new ArrayList<>();
    final List<long[]> userStacks = new ArrayList<>();
    long lost;

    @Override
    public void sample(SampleRecord s) {
        events.add("sample pid=" + s.pid() + " tid=" + s.tid() + " cpu=" + s.cpu() + " time=" + s.timeNanos() + " period=" + s.period());
        kernelStacks.add(java.util.Arrays.copyOf(s.kernelIps(), s.kernelDepth()));
        userStacks.add(java.util.Arrays.copyOf(s.userIps(), s.userDepth()));
    }

    @Override
    public void mmap(int pid, long start, long length, long fileOffset, long inode, String path, long timeNanos) {
        events.add("mmap pid=" + pid + " start=" + Long.toHexString(start) + " length=" + length + " offset=" + fileOffset + " inode=" + inode
                + " path=" + path + " time=" + timeNanos);
    }

    @Override
    public void comm(int pid, int tid, String command, boolean exec, long timeNanos) {
        events.add("comm pid=" + pid + " tid=" + tid + " command=" + command + " exec=" + exec + " time=" + timeNanos);
    }

    @Override
    public void fork(int pid, int parentPid, int tid, long timeNanos) {
        events.add("fork pid=" + pid + " parent=" + parentPid);
    }

    @Override
    public void exit(int pid, int tid, long timeNanos) {
        events.add("exit pid=" + pid + " tid=" + tid);
    }

    @Override
    public void lost(long records) {
        lost += records;
        events.add("lost " + records);
    }

    @Override
    public void throttled(boolean throttled) {
        events.add(throttled ? "throttle" : "unthrottle");
    }

    @Override
    public void malformed(int type, String why) {
        events.add("malformed type=" + type);
    }
}
