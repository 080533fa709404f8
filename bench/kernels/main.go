// Command kernels prints the speed of the asm package's kernels on every
// path this CPU runs, beside gonum and OpenBLAS (through Debian's numpy)
// measured in the same run: GFLOP/s for Sgemm, elements/s for row-wise
// log-sum-exp. Each figure is the median of several timed repetitions.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gocpc/cpc/asm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var (
	reps    = flag.Int("reps", 5, "timed repetitions per figure (the median is printed)")
	minTime = flag.Duration("mintime", 40*time.Millisecond, "least time one repetition runs the kernel for")
	python  = flag.String("python", "/usr/bin/python3", "Python with numpy for the OpenBLAS anchor (empty: skip)")
	only    = flag.String("only", "", "run only the Sgemm shapes whose name contains this")
)

func main() {
	flag.Parse()
	all := runtime.GOMAXPROCS(0)
	threads := []int{1}
	if all > 1 {
		threads = append(threads, all)
	}
	fmt.Printf("Go %s, GOMAXPROCS %d, asm paths %s\n\n", runtime.Version(), all, strings.Join(asm.Paths(), ", "))

	np := runNumpy(threads)
	gemmTable(threads, np)
	lseTable(np)
	fmt.Println()
	for _, l := range np.notes {
		fmt.Println(l)
	}
}

// median times f: each repetition runs f for at least minTime and yields
// the mean per call; the median repetition is returned in seconds.
func median(f func()) float64 {
	f()
	var per []float64
	for r := 0; r < *reps; r++ {
		n := 0
		start := time.Now()
		for n == 0 || time.Since(start) < *minTime {
			f()
			n++
		}
		per = append(per, time.Since(start).Seconds()/float64(n))
	}
	slices.Sort(per)
	return per[len(per)/2]
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

func gemmTable(threads []int, np numpyResults) {
	cols := append(asm.Paths(), "gonum")
	cols = append(cols, np.gemmCols...)
	fmt.Println("Sgemm, GFLOP/s (median of", *reps, "runs)")
	fmt.Println()
	head := "| shape | m×n×k | op | threads |"
	rule := "|---|---|---|---|"
	for _, c := range cols {
		head += " " + c + " |"
		rule += "---:|"
	}
	fmt.Println(head)
	fmt.Println(rule)
	rng := rand.New(rand.NewPCG(1, 1))
	impl := gonum.Implementation{}
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
		ga, glda := dense(a, ar, ac, lda), ac
		gb, gldb := dense(b, br, bc, ldb), bc
		op := map[bool]string{false: "N", true: "T"}[s.transA] + map[bool]string{false: "N", true: "T"}[s.transB]
		for _, t := range threads {
			runtime.GOMAXPROCS(t)
			row := fmt.Sprintf("| %s | %d×%d×%d | %s | %d |", s.name, s.m, s.n, s.k, op, t)
			for _, p := range asm.Paths() {
				if err := asm.Use(p); err != nil {
					panic(err)
				}
				sec := median(func() { asm.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) })
				row += fmt.Sprintf(" %.1f |", s.flops()/sec/1e9)
			}
			ta, tb := blas.NoTrans, blas.NoTrans
			if s.transA {
				ta = blas.Trans
			}
			if s.transB {
				tb = blas.Trans
			}
			sec := median(func() { impl.Sgemm(ta, tb, s.m, s.n, s.k, 1, ga, glda, gb, gldb, 0, c, s.n) })
			row += fmt.Sprintf(" %.1f |", s.flops()/sec/1e9)
			for _, col := range np.gemmCols {
				row += " " + np.get(col, s.name, t) + " |"
			}
			fmt.Println(row)
		}
	}
	runtime.GOMAXPROCS(threads[len(threads)-1])
	if err := asm.Use(""); err != nil {
		panic(err)
	}
}

// lseTable measures LogSumExp and Softmax on rows of 1024, one thread.
func lseTable(np numpyResults) {
	const m, n = 1024, 1024
	rng := rand.New(rand.NewPCG(2, 2))
	x := randSlice(rng, m*n)
	for i := range x {
		x[i] *= 20
	}
	out, y := make([]float32, m), make([]float32, m*n)
	fmt.Printf("\nRow-wise log-sum-exp and softmax, %d rows of %d, one thread, 1e9 elements/s\n\n", m, n)
	fmt.Println("| kernel | " + strings.Join(asm.Paths(), " | ") + " | " + strings.Join(np.lseCols, " | ") + " |")
	fmt.Println("|---|" + strings.Repeat("---:|", len(asm.Paths())+len(np.lseCols)))
	runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(runtime.NumCPU())
	for _, kernel := range []string{"LogSumExp", "Softmax"} {
		row := "| " + kernel + " |"
		for _, p := range asm.Paths() {
			if err := asm.Use(p); err != nil {
				panic(err)
			}
			asm.LogSumExp(m, n, x, n, out)
			f := func() { asm.LogSumExp(m, n, x, n, out) }
			if kernel == "Softmax" {
				f = func() { asm.Softmax(m, n, x, n, out, y, n) }
			}
			row += fmt.Sprintf(" %.2f |", m*n/median(f)/1e9)
		}
		for _, col := range np.lseCols {
			row += " " + np.get(col, kernel, 1) + " |"
		}
		fmt.Println(row)
	}
	if err := asm.Use(""); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
