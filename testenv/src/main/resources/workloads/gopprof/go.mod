module scorch.dev/workloads/gopprof

go 1.22
