package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func runSign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	d := fs.Duration("for", 3*time.Second, "how long to sign at each concurrency")
	fs.Parse(args)
	one, all, err := signRates(*d)
	if err != nil {
		return err
	}
	fmt.Printf("RSA-2048 PKCS#1 v1.5 SHA-256 signatures: %.0f/s on one core, %.0f/s on %d cores\n", one, all, runtime.GOMAXPROCS(0))
	fmt.Printf("  CPU time per signature: %v\n", signCPU(2000))
	return nil
}

// cpuTime returns the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// signCPU measures the CPU time of one RSA-2048 signature over n of them,
// a figure that other load on the machine does not distort.
func signCPU(n int) time.Duration {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	key.Precompute()
	sum := sha256.Sum256([]byte("(request-target): post /inbox"))
	start := cpuTime()
	for i := 0; i < n; i++ {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
			panic(err)
		}
	}
	return (cpuTime() - start) / time.Duration(n)
}

// signRates measures RSA-2048 signatures per second with one goroutine and
// with GOMAXPROCS goroutines: the bound on signed deliveries per second.
func signRates(d time.Duration) (one, all float64, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, 0, err
	}
	key.Precompute()
	rate := func(n int) float64 {
		var count atomic.Int64
		stop := time.Now().Add(d)
		var wg sync.WaitGroup
		start := time.Now()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sum := sha256.Sum256([]byte("(request-target): post /inbox"))
				for time.Now().Before(stop) {
					if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
						panic(err)
					}
					count.Add(1)
				}
			}()
		}
		wg.Wait()
		return float64(count.Load()) / time.Since(start).Seconds()
	}
	return rate(1), rate(runtime.GOMAXPROCS(0)), nil
}
