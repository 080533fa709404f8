//go:build !mpi

package main

import (
	"errors"

	"github.com/gocpc/cpc/core/dist"
)

// openMPI explains how to get a build that trains over MPI: the default
// build is pure Go, without cgo.
func openMPI() (dist.Group, func() error, error) {
	return nil, nil, errors.New("this cpc is built without MPI: build it with 'make cpc-mpi' " +
		"(go build -tags mpi -o bin/cpc-mpi ./cmd/cpc, which needs Debian's libopenmpi-dev)")
}
