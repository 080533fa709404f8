package nn

import "github.com/gocpc/cpc/asm"

// pass runs the layers' elementwise passes (bias rows, bias gradients,
// the convolution fast path's transforms) on asm.Parallel. Keep one in
// each layer's per-workspace scratch: its pointer goes to the pool, so a
// pass allocates nothing, and two workspaces never share one.
type pass[T Float] struct {
	op                  int // one of the pass kinds below
	rows, width, chunk  int
	src, bias           []T
	ld, off, mid0, srcN int
	dst0, dst1          []T
}

const (
	opSetRows = iota
	opAddRowSums
	opPairSums
	opDiffsAround
	opAddTwice
)

// setRows writes v into each of rows rows of dst (row stride ld): a bias
// before the product that accumulates onto it.
func (p *pass[T]) setRows(rows int, v, dst []T, ld int) {
	p.src, p.dst0, p.ld = v, dst, ld
	p.run(opSetRows, rows, len(v))
}

// addRowSums adds the sum of the rows of the rows×width matrix src (row
// stride ld) to g: the gradient of a bias added to every row. It is split
// by columns, so each sum runs over the rows in order, as on one thread.
func (p *pass[T]) addRowSums(g []T, rows, width int, src []T, ld int) {
	p.src, p.dst0, p.ld = src, g, ld
	p.run(opAddRowSums, rows, width)
}

// pairSums sets row r of dst to src rows r·ld and r·ld + off added.
func (p *pass[T]) pairSums(rows, width int, src []T, ld, off int, dst []T) {
	p.src, p.ld, p.off, p.dst0 = src, ld, off, dst
	p.run(opPairSums, rows, width)
}

// diffsAround sets row r of dst0 and dst1 to src row c−1 and c+1, each
// minus row c, with c = 2r + mid0; src has srcN rows (stride ld) and rows
// outside them count as zero.
func (p *pass[T]) diffsAround(rows, width int, src []T, ld, mid0, srcN int, dst0, dst1 []T) {
	p.src, p.ld, p.mid0, p.srcN, p.dst0, p.dst1 = src, ld, mid0, srcN, dst0, dst1
	p.run(opDiffsAround, rows, width)
}

// addTwice adds row r of src (plus bias, if not nil) to dst rows r·ld and
// r·ld + off.
func (p *pass[T]) addTwice(rows, width int, src, bias, dst []T, ld, off int) {
	p.src, p.bias, p.dst0, p.ld, p.off = src, bias, dst, ld, off
	p.run(opAddTwice, rows, width)
}

// passChunk is the values a part handles: enough to outweigh handing it out.
const passChunk = 1 << 15

// sumColumns is the fewest columns a part of addRowSums takes: a whole
// cache line of each row.
const sumColumns = 16

func (p *pass[T]) run(op, rows, width int) {
	p.op, p.rows, p.width = op, rows, width
	var parts int
	if op == opAddRowSums {
		parts = max(1, min((rows*width+passChunk-1)/passChunk, width/sumColumns))
		p.chunk = (width + parts - 1) / parts
	} else {
		p.chunk = max(1, passChunk/width)
		parts = (rows + p.chunk - 1) / p.chunk
	}
	asm.Parallel(parts, p)
	p.src, p.bias, p.dst0, p.dst1 = nil, nil, nil, nil
}

// Part does rows [i·chunk, (i+1)·chunk) of the current pass, or for
// addRowSums those columns.
func (p *pass[T]) Part(i int) {
	if p.op == opAddRowSums {
		lo, hi := i*p.chunk, min((i+1)*p.chunk, p.width)
		vecSumRows(p.dst0[lo:hi], p.rows, p.src[lo:], p.ld)
		return
	}
	w := p.width
	for r := i * p.chunk; r < min((i+1)*p.chunk, p.rows); r++ {
		switch p.op {
		case opSetRows:
			copy(p.dst0[r*p.ld:][:w], p.src)
		case opPairSums:
			vecAdd(p.dst0[r*w:][:w], p.src[r*p.ld:][:w], p.src[r*p.ld+p.off:][:w], false)
		case opDiffsAround:
			c := 2*r + p.mid0
			mid, d0, d1 := p.src[c*p.ld:][:w], p.dst0[r*w:][:w], p.dst1[r*w:][:w]
			p.diffFrom(c-1, mid, d0)
			p.diffFrom(c+1, mid, d1)
		case opAddTwice:
			vecAddTwice(p.dst0[r*p.ld:][:w], p.dst0[r*p.ld+p.off:][:w], p.src[r*w:][:w], p.bias)
		}
	}
}

// diffFrom sets d to src row c minus mid, with rows outside [0, srcN) zero.
func (p *pass[T]) diffFrom(c int, mid, d []T) {
	if c < 0 || c >= p.srcN {
		for j, m := range mid {
			d[j] = -m
		}
		return
	}
	vecAdd(d, p.src[c*p.ld:][:len(d)], mid, true)
}
