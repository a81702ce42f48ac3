// Command gopprof is a Go service for Scorch's pull and trigger tests: it serves net/http/pprof
// with every allocation, contention and blocking event recorded, and does on request exactly the
// work a test needs to find again in its profiles:
//
//	/alloc?count=N&size=S   allocate N objects of S bytes in scorchAllocate, then finish two GCs
//	/burn?seconds=N         burn one CPU in scorchBurn for N seconds (in the background)
//	/leak?count=N           start N goroutines that block forever in scorchLeak
//	/contend?rounds=N       make goroutines fight over one mutex in scorchContend
//	/stats                  goroutine count and bytes allocated so far, as JSON
//
// With -background it also allocates and contends a little all the time, like a service under
// light load, so every profile changes from one pull to the next.
//
// Heap profiles count allocations as of the last finished GC, so the program also collects every
// 250 ms to keep its profiles current.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// sink makes every allocation escape to the heap; only the last one stays reachable.
var sink []byte

//go:noinline
func scorchAllocate(count, size int) {
	for i := 0; i < count; i++ {
		sink = make([]byte, size)
	}
	sink = nil
}

//go:noinline
func scorchBurn(until time.Time) uint64 {
	var x uint64 = 1
	for time.Now().Before(until) {
		for i := 0; i < 1_000_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

//go:noinline
func scorchLeak(never chan struct{}) {
	<-never
}

//go:noinline
func scorchContend(rounds int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				mu.Lock()
				time.Sleep(50 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func number(r *http.Request, name string, fallback int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return v
	}
	return fallback
}

func main() {
	runtime.MemProfileRate = 1
	addr := flag.String("addr", "127.0.0.1:6060", "listen address")
	portFile := flag.String("port-file", "", "write the port here once listening")
	background := flag.Bool("background", false, "allocate and contend a little every 100 ms")
	flag.Parse()
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	go func() {
		for range time.Tick(250 * time.Millisecond) {
			runtime.GC()
		}
	}()
	if *background {
		go func() {
			for range time.Tick(100 * time.Millisecond) {
				scorchAllocate(100, 1024)
				scorchContend(2)
			}
		}()
	}
	never := make(chan struct{})
	http.HandleFunc("/alloc", func(w http.ResponseWriter, r *http.Request) {
		scorchAllocate(number(r, "count", 1000), number(r, "size", 1024))
		runtime.GC()
		runtime.GC()
		w.WriteHeader(http.StatusNoContent)
	})
	http.HandleFunc("/burn", func(w http.ResponseWriter, r *http.Request) {
		go scorchBurn(time.Now().Add(time.Duration(number(r, "seconds", 10)) * time.Second))
		w.WriteHeader(http.StatusNoContent)
	})
	http.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < number(r, "count", 100); i++ {
			go scorchLeak(never)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	http.HandleFunc("/contend", func(w http.ResponseWriter, r *http.Request) {
		scorchContend(number(r, "rounds", 200))
		w.WriteHeader(http.StatusNoContent)
	})
	http.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		json.NewEncoder(w).Encode(map[string]uint64{"goroutines": uint64(runtime.NumGoroutine()), "totalAlloc": m.TotalAlloc})
	})

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
