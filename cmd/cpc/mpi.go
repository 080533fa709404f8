//go:build mpi

package main

import (
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/dist/mpi"
)

// openMPI starts MPI: this process is one replica of MPI_COMM_WORLD.
// done ends MPI after a run that succeeded; after a failure the process
// exits without it, and mpirun ends the other processes.
func openMPI() (g dist.Group, done func() error, err error) {
	w, err := mpi.Init()
	if err != nil {
		return nil, nil, err
	}
	return w, w.Finalize, nil
}
