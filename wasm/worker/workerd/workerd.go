//go:build unix

// Package workerd runs the Worker that make worker builds in workerd (npm's
// workerd, at the version package-lock.json pins), on a free loopback port,
// for the end-to-end test (go test -tags workerd, make test-worker) and
// make bench-worker. It is native tooling, not part of the Worker.
package workerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Server is a running workerd.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// Root finds the repository root: the nearest directory above the working
// directory that holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

// ErrMissing is wrapped by Start's error when workerd or the built Worker
// is not there.
var ErrMissing = errors.New("missing")

// Start serves wasm/worker/workerd.capnp of the repository at root on a
// free port of 127.0.0.1, with env added to the environment (for example
// CPC_TEST_HOOKS=1), and returns once the port accepts connections, before
// any request: the first one starts the Go program (a cold start).
// workerd's output goes to logPath.
func Start(root string, logPath string, env ...string) (*Server, error) {
	bin := filepath.Join(root, "node_modules", ".bin", "workerd")
	config := filepath.Join(root, "wasm", "worker", "workerd.capnp")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%w: workerd (make deps, or npm ci, installs it): %v", ErrMissing, err)
	}
	if _, err := os.Stat(filepath.Join(root, "wasm", "worker", "build", "cpc.wasm")); err != nil {
		return nil, fmt.Errorf("%w: the built Worker (make worker builds it): %v", ErrMissing, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", config, "--socket-addr", "http="+addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, done: make(chan error, 1), log: log}
	go func() { s.done <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-s.done:
			log.Close()
			return nil, fmt.Errorf("workerd exited before serving (%v); its output is in %s", err, logPath)
		case <-ctx.Done():
			s.Close()
			return nil, fmt.Errorf("workerd did not listen on %s within a minute; its output is in %s", addr, logPath)
		case <-time.After(50 * time.Millisecond):
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
	}
}

// Pid is workerd's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Close stops workerd (its process group) and waits for it.
func (s *Server) Close() error {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	return s.log.Close()
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
