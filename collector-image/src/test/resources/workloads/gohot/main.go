// A ground-truth workload for symbolization tests: with "spin" it burns CPU in main.hotLoop until
// killed; otherwise it prints one result and exits. Built by the tests (go build -ldflags='-s -w').
package main

import (
	"fmt"
	"os"
)

//go:noinline
func hotLoop(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i % 7
	}
	return s
}

//go:noinline
func coldHelper(n int) int {
	return n*3 + 1
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "spin" {
		fmt.Println("spinning")
		for {
			hotLoop(1 << 20)
		}
	}
	fmt.Println(hotLoop(1000) + coldHelper(2))
}
