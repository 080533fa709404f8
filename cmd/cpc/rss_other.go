//go:build !unix

package main

// peakRSS cannot be read without getrusage.
func peakRSS() string { return "unknown on this system" }

func resetPeakRSS() {}
