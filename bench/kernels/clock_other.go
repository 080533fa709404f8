//go:build !linux

package main

import "time"

var start = time.Now()

// cpuSeconds falls back to wall time where there is no process clock.
func cpuSeconds() float64 { return time.Since(start).Seconds() }
