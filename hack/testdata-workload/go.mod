module scorch.invalid/testdata-workload

go 1.24
