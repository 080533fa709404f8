//go:build !mpi

package main

import (
	"strings"
	"testing"
)

// TestNoMPI: the default build, without cgo, says how to get one that
// trains over MPI.
func TestNoMPI(t *testing.T) {
	code, stderr := cli("train", "--distributed", "mpi", "--steps", "1")
	if code != 1 || !strings.Contains(stderr, "make cpc-mpi") || !strings.Contains(stderr, "go build -tags mpi") {
		t.Errorf("--distributed mpi without MPI: exit %d: %s", code, stderr)
	}
}
