package main

import "golang.org/x/sys/unix"

// cpuSeconds is the CPU time this process has used.
func cpuSeconds() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return float64(ts.Nano()) / 1e9
}
