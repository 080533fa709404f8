//go:build unix

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// peakRSS is the process's peak resident memory since the start or the
// last resetPeakRSS.
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

// resetPeakRSS restarts the peak where Linux allows it (clear_refs 5
// resets the high-water mark getrusage reports); elsewhere the peak
// stays the process's.
func resetPeakRSS() {
	if runtime.GOOS == "linux" {
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	}
}
