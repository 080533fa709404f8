//go:build unix

package data

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockDir holds an exclusive lock on dir until unlock: processes updating
// one corpus cache (two runs, or the ranks of a job on one machine) take
// turns. The lock goes with the process, so a killed run leaves none.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
}
