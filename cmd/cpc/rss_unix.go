//go:build unix

package main

import (
	"fmt"
	"runtime"
	"syscall"
)

// peakRSS is the process's peak resident memory so far.
func peakRSS() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	kib := int64(ru.Maxrss) // KiB on Linux, bytes on Darwin
	if runtime.GOOS == "darwin" {
		kib /= 1024
	}
	return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
}
