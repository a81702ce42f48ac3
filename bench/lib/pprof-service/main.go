// Command pprofservice is a Go service for bench/burst.sh whose net/http/pprof profiles are as
// large as asked: it keeps allocations live at -stacks distinct call stacks (the heap and allocs
// profiles get one sample per stack), parks -goroutines goroutines at distinct stacks (the
// goroutine profile), burns -busy of a CPU in a loop the collector samples, and keeps allocating a
// little at every stack so each pull differs from the last. Every allocation is recorded
// (MemProfileRate 1). Stacks differ in -bits binary choices along a call chain of -depth frames,
// so they neither merge in the profile nor compress away in its gzip.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"time"
)

// live holds one allocation per stack; churn replaces them so the allocs profile grows.
var live [][]byte

//go:noinline
func left(path uint64, level, depth, i int, leaf func(int)) {
	step(path, level, depth, i, leaf)
}

//go:noinline
func right(path uint64, level, depth, i int, leaf func(int)) {
	step(path, level, depth, i, leaf)
}

// step walks one frame further down, through left or right as the path's next bit says, and runs
// leaf(i) at the chain's end.
func step(path uint64, level, depth, i int, leaf func(int)) {
	if level == depth {
		leaf(i)
		return
	}
	if path>>(uint(level)%64)&1 == 0 {
		left(path, level+1, depth, i, leaf)
	} else {
		right(path, level+1, depth, i, leaf)
	}
}

//go:noinline
func allocate(i int) {
	live[i] = make([]byte, 64+i%512)
}

//go:noinline
func busy(until time.Time) uint64 {
	var x uint64 = 1
	for time.Now().Before(until) {
		for i := 0; i < 100_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

func main() {
	runtime.MemProfileRate = 1
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	portFile := flag.String("port-file", "", "write the port here once listening")
	stacks := flag.Int("stacks", 1000, "distinct allocation stacks")
	goroutines := flag.Int("goroutines", 100, "parked goroutines, each at a stack of its own")
	depth := flag.Int("depth", 40, "frames of each call chain")
	busyShare := flag.Float64("busy", 0.05, "share of one CPU burnt")
	flag.Parse()

	live = make([][]byte, *stacks)
	for i := 0; i < *stacks; i++ {
		step(uint64(i)*0x9E3779B97F4A7C15, 0, *depth, i, allocate)
	}
	never := make(chan struct{})
	for i := 0; i < *goroutines; i++ {
		go step(uint64(i)*0xC2B2AE3D27D4EB4F, 0, *depth, i, func(int) { <-never })
	}
	go func() {
		for round := 0; ; round++ {
			for i := round % 16; i < *stacks; i += 16 {
				step(uint64(i)*0x9E3779B97F4A7C15, 0, *depth, i, allocate)
			}
			runtime.GC()
			time.Sleep(time.Second)
		}
	}()
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			busy(time.Now().Add(time.Duration(*busyShare * float64(100*time.Millisecond))))
		}
	}()

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
		if err := os.WriteFile(*portFile+".tmp", []byte(port), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(*portFile+".tmp", *portFile); err != nil {
			log.Fatal(err)
		}
	}
	log.Fatal(http.Serve(listener, nil))
}
