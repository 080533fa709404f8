package asm

import (
	"slices"
	"strings"
	"testing"
)

func TestPaths(t *testing.T) {
	paths := Paths()
	if len(paths) == 0 || paths[len(paths)-1] != "generic" {
		t.Fatalf("Paths() = %v, want generic last", paths)
	}
	saved := Path()
	defer Use(saved)
	if err := Use(""); err != nil || Path() != paths[0] {
		t.Fatalf(`Use("") = %v, path %q; want the best path %q`, err, Path(), paths[0])
	}
	for _, p := range paths {
		if err := Use(p); err != nil || Path() != p {
			t.Fatalf("Use(%q) = %v, path %q", p, err, Path())
		}
	}
}

func TestUseErrors(t *testing.T) {
	saved := Path()
	defer Use(saved)
	for _, name := range append(knownPaths, "sse", "AVX2") {
		if slices.Contains(Paths(), name) {
			continue
		}
		err := Use(name)
		if err == nil {
			t.Fatalf("Use(%q) succeeded on a CPU whose paths are %v", name, Paths())
		}
		if Path() != saved {
			t.Fatalf("failed Use(%q) changed the path to %q", name, Path())
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "generic") {
			t.Errorf("Use(%q): error %q should name the path and the usable ones", name, err)
		}
	}
}

func TestUseEnv(t *testing.T) {
	saved := Path()
	defer Use(saved)
	t.Setenv(EnvVar, "generic")
	if err := UseEnv(); err != nil || Path() != "generic" {
		t.Fatalf("UseEnv with %s=generic: %v, path %q", EnvVar, err, Path())
	}
	t.Setenv(EnvVar, "no-such-path")
	if err := UseEnv(); err == nil || Path() != "generic" {
		t.Fatalf("UseEnv with a bad %s: err %v, path %q", EnvVar, err, Path())
	}
}
