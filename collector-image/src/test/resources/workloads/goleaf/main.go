// A ground-truth workload for unwinding tests: main.main -> main.scorchCaller -> main.scorchLeaf,
// where scorchLeaf burns the CPU without setting up a frame (no calls, no spills: the compiler
// gives it no frame pointer), so a frame-pointer walk from it skips scorchCaller. Runs for
// os.Args[1] seconds of wall time.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//go:noinline
func scorchLeaf(n uint64) uint64 {
	x := n
	for i := uint64(0); i < 1<<22; i++ {
		x = x*6364136223846793005 + i
	}
	return x
}

//go:noinline
func scorchCaller(until time.Time) uint64 {
	var acc uint64
	for time.Now().Before(until) {
		acc += scorchLeaf(acc)
	}
	return acc
}

func main() {
	seconds, _ := strconv.Atoi(os.Args[1])
	fmt.Println("result", scorchCaller(time.Now().Add(time.Duration(seconds)*time.Second)))
}
