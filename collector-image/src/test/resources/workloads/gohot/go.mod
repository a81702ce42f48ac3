module scorch.dev/workloads/gohot

go 1.22
