package dev.scorch.collector.symbol;

/**
 * Why a frame kept only its mapping, build id and address. Exposed by reason in the
 * {@code scorch_symbolization_misses_total} metric, so an operator can tell "the binary is
 * stripped" from "the collector lacks a capability".
 */
public enum MissReason {
    /** The pid was not in the process table (exited before it was seen, or table overflow). */
    UNKNOWN_PROCESS("unknown_process"),
    /** No mapping of the process contains the address. */
    NO_MAPPING("no_mapping"),
    /** Anonymous executable memory without a {@code perf-<pid>.map} entry (JIT code without a map). */
    ANONYMOUS_MEMORY("anonymous_memory"),
    /** The mapped file could not be opened through /proc/<pid>/root, map_files or the host path. */
    FILE_UNREACHABLE("file_unreachable"),
    /** The file at the path is no longer the one mapped (inode differs), and map_files was not readable. */
    FILE_REPLACED("file_replaced"),
    /** The file is not a readable 64-bit ELF object, or a table in it is malformed or over our bounds. */
    MALFORMED_OBJECT("malformed_object"),
    /**
     * Parsing the object would cost more than its budget (bytes read, work, heap, or a declared
     * count such as sections); {@code scorch_parse_rejections_total} names the parser and limit.
     */
    OVER_BUDGET("over_budget"),
    /** The node-wide parse budget of the current window is spent: the object is parsed in a later window. */
    PARSE_DEFERRED("parse_deferred"),
    /** The object has neither a symbol table nor a Go pc/line table (stripped). */
    NO_SYMBOL_TABLE("no_symbol_table"),
    /** The object has symbols, but none covers the address. */
    NO_SYMBOL_AT_ADDRESS("no_symbol_at_address"),
    /** The address lies in no file-backed part of a load segment. */
    OUTSIDE_LOAD_SEGMENTS("outside_load_segments"),
    /** /proc/kallsyms shows only zero addresses (kptr_restrict; grant CAP_SYSLOG). */
    KERNEL_ADDRESSES_HIDDEN("kernel_addresses_hidden"),
    /** /proc/kallsyms could not be read. */
    KALLSYMS_UNREADABLE("kallsyms_unreadable"),
    /** A pseudo mapping such as [vsyscall] or [vdso] that could not be read. */
    PSEUDO_MAPPING("pseudo_mapping");

    private final String label;

    MissReason(String label) {
        this.label = label;
    }

    /** The value of the {@code reason} label in metrics. */
    public String label() {
        return label;
    }
}
