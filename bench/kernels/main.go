// Command kernels prints the speed of the asm package's kernels on every
// path this CPU runs, beside gonum and OpenBLAS (through Debian's numpy)
// measured in the same run: GFLOP/s for Sgemm, elements/s for row-wise
// log-sum-exp and softmax.
//
// Each figure is the median of several repetitions, and the columns of a
// row take their repetitions in turn (ours, gonum, OpenBLAS, ours, …), so
// that load from elsewhere on the machine falls on all of them alike.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gocpc/cpc/asm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var (
	reps    = flag.Int("reps", 7, "timed repetitions per figure (the median is printed)")
	minTime = flag.Duration("mintime", 30*time.Millisecond, "least time one repetition runs the kernel for")
	python  = flag.String("python", "/usr/bin/python3", "Python with numpy for the OpenBLAS anchor (empty: skip)")
	only    = flag.String("only", "", "run only the Sgemm shapes whose name contains this")
	clock   = flag.String("clock", "wall", `what one-thread figures time: "wall", or "cpu" for the process's CPU time (steadier on a shared machine; all-thread figures are always wall time)`)
)

func main() {
	flag.Parse()
	all := runtime.GOMAXPROCS(0)
	threads := []int{1}
	if all > 1 {
		threads = append(threads, all)
	}
	fmt.Printf("CPU %s; Go %s, GOMAXPROCS %d, asm paths %s; load average at start %s\n",
		cpuModel(), runtime.Version(), all, strings.Join(asm.Paths(), ", "), loadAverage())
	fmt.Printf("one-thread figures by %s clock, all-thread figures by wall clock\n\n", *clock)
	anchors, notes := startAnchors()
	defer func() {
		for _, a := range anchors {
			a.close()
		}
	}()
	gemmTable(threads, anchors)
	lseTable(anchors)
	fmt.Printf("\nload average at end %s\n", loadAverage())
	for _, l := range notes {
		fmt.Println(l)
	}
}

// A column is one implementation in a row of a table: setup runs before
// each of its repetitions (choosing a path), and rep times one
// repetition, returning seconds per call (NaN: not measured). The first
// repetition of each column runs once untimed before, to warm up.
type column struct {
	setup func()
	rep   func() float64
}

// timeRep runs f for at least minTime and returns the mean seconds per
// call, by the CPU clock when -clock=cpu and one thread runs.
func timeRep(f func()) float64 {
	n := 0
	start, cpu := time.Now(), cpuSeconds()
	for n == 0 || time.Since(start) < *minTime {
		f()
		n++
	}
	if cpuClock() {
		return (cpuSeconds() - cpu) / float64(n)
	}
	return time.Since(start).Seconds() / float64(n)
}

// cpuClock reports whether figures are taken by the CPU clock now: with
// one thread, CPU time leaves out the time other work on the machine
// holds the core.
func cpuClock() bool { return *clock == "cpu" && runtime.GOMAXPROCS(0) == 1 }

// medians runs the columns' repetitions round-robin and returns each
// column's median seconds per call (NaN where a column failed).
func medians(cols []column) []float64 {
	per := make([][]float64, len(cols))
	for r := -1; r < *reps; r++ {
		for i, c := range cols {
			if c.setup != nil {
				c.setup()
			}
			if sec := c.rep(); r >= 0 {
				per[i] = append(per[i], sec)
			}
		}
	}
	out := make([]float64, len(cols))
	for i, p := range per {
		slices.Sort(p)
		out[i] = p[len(p)/2]
	}
	return out
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// dense copies a rows×cols matrix with row stride ld into a contiguous one.
func dense(x []float32, rows, cols, ld int) []float32 {
	d := make([]float32, 0, rows*cols)
	for i := 0; i < rows; i++ {
		d = append(d, x[i*ld:i*ld+cols]...)
	}
	return d
}

func usePath(p string) func() {
	return func() {
		if err := asm.Use(p); err != nil {
			panic(err)
		}
	}
}

func gemmTable(threads []int, anchors []*anchor) {
	head := "| shape | m×n×k | op | threads | " + strings.Join(asm.Paths(), " | ") + " | gonum |"
	for _, a := range anchors {
		head += " " + a.name + " |"
	}
	fmt.Printf("Sgemm, GFLOP/s (median of %d repetitions)\n\n%s\n|---|---|---|---|%s\n",
		*reps, head, strings.Repeat("---:|", len(asm.Paths())+1+len(anchors)))
	rng := rand.New(rand.NewPCG(1, 1))
	impl := gonum.Implementation{}
	trans := map[bool]blas.Transpose{false: blas.NoTrans, true: blas.Trans}
	for _, s := range gemmShapes {
		if !strings.Contains(s.name, *only) {
			continue
		}
		ar, ac, lda, br, bc, ldb := s.dims()
		a := randSlice(rng, (ar-1)*lda+ac)
		b := randSlice(rng, (br-1)*ldb+bc)
		c := make([]float32, s.m*s.n)
		// gonum rejects the overlapping (strided) views of the conv
		// shapes; it gets the same values laid out contiguously.
		ga, gb := dense(a, ar, ac, lda), dense(b, br, bc, ldb)
		for _, t := range threads {
			runtime.GOMAXPROCS(t)
			var cols []column
			for _, p := range asm.Paths() {
				cols = append(cols, column{usePath(p), func() float64 {
					return timeRep(func() { asm.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) })
				}})
			}
			cols = append(cols, column{nil, func() float64 {
				return timeRep(func() { impl.Sgemm(trans[s.transA], trans[s.transB], s.m, s.n, s.k, 1, ga, ac, gb, bc, 0, c, s.n) })
			}})
			for _, an := range anchors {
				cols = append(cols, column{nil, func() float64 { return an.gemm(s, t) }})
			}
			row := fmt.Sprintf("| %s | %d×%d×%d | %s | %d |", s.name, s.m, s.n, s.k, s.op(), t)
			for _, sec := range medians(cols) {
				row += rate(s.flops()/sec/1e9, 1)
			}
			fmt.Println(row)
		}
	}
	runtime.GOMAXPROCS(threads[len(threads)-1])
	usePath("")()
}

// lseTable measures LogSumExp and Softmax on rows of 1024, one thread,
// beside numpy and scipy (where installed) from the first anchor.
func lseTable(anchors []*anchor) {
	const m, n = 1024, 1024
	rng := rand.New(rand.NewPCG(2, 2))
	x := randSlice(rng, m*n)
	for i := range x {
		x[i] *= 20
	}
	out, y := make([]float32, m), make([]float32, m*n)
	var pyCols []string
	if len(anchors) > 0 {
		pyCols = anchors[0].lseColumns()
	}
	fmt.Printf("\nRow-wise log-sum-exp and softmax, %d rows of %d in [−20, 20), one thread, 1e9 elements/s (median of %d repetitions)\n\n", m, n, *reps)
	fmt.Printf("| kernel | %s |\n|---|%s\n", strings.Join(append(asm.Paths(), pyCols...), " | "), strings.Repeat("---:|", len(asm.Paths())+len(pyCols)))
	runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(runtime.NumCPU())
	for _, kernel := range []string{"LogSumExp", "Softmax"} {
		var cols []column
		for _, p := range asm.Paths() {
			cols = append(cols, column{usePath(p), func() float64 {
				if kernel == "Softmax" {
					asm.LogSumExp(m, n, x, n, out)
					return timeRep(func() { asm.Softmax(m, n, x, n, out, y, n) })
				}
				return timeRep(func() { asm.LogSumExp(m, n, x, n, out) })
			}})
		}
		for _, name := range pyCols {
			cols = append(cols, column{nil, func() float64 { return anchors[0].lse(kernel, name) }})
		}
		row := "| " + kernel + " |"
		for _, sec := range medians(cols) {
			row += rate(m*n/sec/1e9, 2)
		}
		fmt.Println(row)
	}
	usePath("")()
}

// rate formats a table cell, "–" for a figure not measured.
func rate(v float64, decimals int) string {
	if math.IsNaN(v) {
		return " – |"
	}
	return fmt.Sprintf(" %.*f |", decimals, v)
}

// cpuModel is lscpu's "Model name", or "unknown".
func cpuModel() string {
	out, err := exec.Command("lscpu").Output()
	if err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(l, "Model name:"); ok {
				return strings.TrimSpace(name)
			}
		}
	}
	return "unknown"
}

// loadAverage is the 1-minute load average: other work on the machine
// shows in every column of the same run, most in the all-thread rows.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
