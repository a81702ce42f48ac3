// Command workload burns CPU in one known function, scorchHotLoop, while Go's own CPU profiler
// records it; hack/capture-test-pprof.sh keeps the profile as a test resource for the exporters.
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

//go:noinline
func scorchHotLoop(n int) uint64 {
	var x uint64 = 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

//go:noinline
func scorchColdLoop(n int) uint64 {
	return scorchHotLoop(n / 8)
}

func main() {
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	var sink uint64
	for time.Now().Before(deadline) {
		sink += scorchHotLoop(1 << 20)
		sink += scorchColdLoop(1 << 20)
	}
	pprof.StopCPUProfile()
	if sink == 42 {
		println(sink)
	}
}
