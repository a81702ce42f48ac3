module scorch.dev/bench/pprofservice

go 1.22
