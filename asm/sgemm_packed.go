package asm

import (
	"unsafe"
)

// microKernel computes one mr×nr tile of C from packed panels:
// C = alpha·Σ_p a[p·mr+i]·b[p·nr+j] + beta·C over k ≥ 1 steps, where
// beta == 0 means C is not read. The sum runs in the order p = 0, 1, …,
// so a tile's value depends only on its panels, never on threading.
type microKernel func(k int, a, b, c *float32, ldc int, alpha, beta float32)

// packedGemm is the Goto/BLIS scheme around one microkernel: op(B) is
// packed kc×nc at a time (kc×nr micro-panels stay in L1 while a whole
// mc×kc block of op(A), packed into mr-row micro-panels, streams past them
// from L2). Panels are zero-padded to full tiles; tiles that overhang C
// are computed into a scratch tile and merged.
type packedGemm struct {
	mr, nr     int
	kc, mc, nc int // mc is a multiple of mr, nc of nr
	kernel     microKernel
	// transpose and copy, if not nil, are packPanels' fast paths for
	// operands whose rows run along k (see transposeRows8AVX2) and whose
	// columns do (copyPanelsAVX2, for whole panels).
	transpose func(dst *float32, w int, src *float32, ld, kc, rows int)
	copy      func(dst *float32, w int, src *float32, ps, kc, panels int)
	// tiles, if not nil, runs kernel over mt×nt whole tiles of a packed
	// block (a column of tiles at a time): one call a block, where Go's
	// calls a tile cost much (js/wasm).
	tiles  func(k int, a, b, c *float32, ldc int, alpha, beta float32, mt, nt int)
	bufs   freeList[packBuf]
	splits freeList[gemmSplit]
}

// packBuf is one worker's packing space, 64-byte aligned.
type packBuf struct {
	a, b, tile []float32
}

// minWorkerFlops is the least work (about 10 µs) worth a second thread:
// the pool's workers poll for a while before they park (workers.go), so
// a split costs about a microsecond: on this project's machine a
// 64×128×128 product (2 MFLOP) split in two took 11.6 µs against 20.7
// whole (BenchmarkSplitProducts). Tests lower it to split even smaller
// products.
var minWorkerFlops = 1 << 20

func (g *packedGemm) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	ra, ca := lda, 1 // op(A)[i][p] = a[i·ra + p·ca]
	if transA {
		ra, ca = 1, lda
	}
	rb, cb := 1, ldb // op(B)[p][j] = b[j·rb + p·cb]
	if transB {
		rb, cb = ldb, 1
	}
	job := gemmJob{g, m, n, k, alpha, beta, a, ra, ca, b, rb, cb, c, ldc, false}
	if g.fill(n, m) > 1.25*g.fill(m, n) {
		// Far fewer padded lanes the other way round (n much narrower
		// than a tile): compute Cᵀ = op(B)ᵀ·op(A)ᵀ into transposed C.
		job = gemmJob{g, n, m, k, alpha, beta, b, rb, cb, a, ra, ca, c, ldc, true}
		m, n = n, m
	}
	gm, gn := g.grid(m, n, k)
	if gm*gn == 1 {
		job.run(0, m, 0, n)
		return
	}
	// Each part is a block of C whose edges are tile boundaries, so every
	// element is computed exactly as in a single-threaded run.
	sp := g.splits.get()
	if sp == nil {
		sp = new(gemmSplit)
	}
	*sp = gemmSplit{job, gm, gn, ceilDiv(m, g.mr), ceilDiv(n, g.nr)}
	Parallel(gm*gn, sp)
	g.splits.put(sp)
}

// gemmSplit is a product cut into gm×gn blocks of C, mt×nt tiles in all.
type gemmSplit struct {
	job            gemmJob
	gm, gn, mt, nt int
}

// Part computes block w, row-block w/gn, column-block w%gn.
func (s *gemmSplit) Part(w int) {
	g, x, y := s.job.g, w/s.gn, w%s.gn
	m, n := s.job.m, s.job.n
	s.job.run(min(x*s.mt/s.gm*g.mr, m), min((x+1)*s.mt/s.gm*g.mr, m),
		min(y*s.nt/s.gn*g.nr, n), min((y+1)*s.nt/s.gn*g.nr, n))
}

// fill is the share of the microkernel's lanes an m×n product uses.
func (g *packedGemm) fill(m, n int) float64 {
	return float64(m*n) / float64(ceilDiv(m, g.mr)*g.mr*ceilDiv(n, g.nr)*g.nr)
}

// grid picks how many blocks to cut C into along M and N: as many as
// there are threads (and work to share), in the shape that packs the
// least per worker.
func (g *packedGemm) grid(m, n, k int) (gm, gn int) {
	mt, nt := ceilDiv(m, g.mr), ceilDiv(n, g.nr)
	w := min(Width(), max(1, 2*m*n*k/minWorkerFlops), mt*nt)
	gm, gn = 1, 1
	best := -1.0
	for x := 1; x <= min(w, mt); x++ {
		y := min(w/x, nt)
		cost := float64(m)/float64(x) + float64(n)/float64(y)
		if x*y > gm*gn || x*y == gm*gn && cost < best {
			gm, gn, best = x, y, cost
		}
	}
	return gm, gn
}

type gemmJob struct {
	g           *packedGemm
	m, n, k     int
	alpha, beta float32
	a           []float32
	ra, ca      int
	b           []float32
	rb, cb      int
	c           []float32
	ldc         int
	ct          bool // C is stored transposed: (i, j) at c[j·ldc + i]
}

// run computes the block C[i0:i1, j0:j1].
func (job *gemmJob) run(i0, i1, j0, j1 int) {
	g := job.g
	buf := g.getBuf(min(g.mc, i1-i0), min(g.nc, j1-j0), min(g.kc, job.k))
	defer g.bufs.put(buf)
	for jc := j0; jc < j1; jc += g.nc {
		nc := min(g.nc, j1-jc)
		for pc := 0; pc < job.k; pc += g.kc {
			kc := min(g.kc, job.k-pc)
			beta := job.beta
			if pc > 0 {
				beta = 1
			}
			g.packPanels(buf.b, g.nr, job.b, job.rb, job.cb, jc, nc, pc, kc)
			for ic := i0; ic < i1; ic += g.mc {
				mc := min(g.mc, i1-ic)
				g.packPanels(buf.a, g.mr, job.a, job.ra, job.ca, ic, mc, pc, kc)
				job.block(buf, ic, mc, jc, nc, kc, beta)
			}
		}
	}
}

// block runs the microkernel over the packed mc×kc and kc×nc blocks.
// Where g has tiles, it takes the whole tiles first, the loop the rest.
func (job *gemmJob) block(buf *packBuf, ic, mc, jc, nc, kc int, beta float32) {
	g := job.g
	fm, fn := 0, 0 // tiles took rows < fm of columns < fn
	if g.tiles != nil && !job.ct && mc >= g.mr && nc >= g.nr {
		fm, fn = mc-mc%g.mr, nc-nc%g.nr
		g.tiles(kc, &buf.a[0], &buf.b[0], &job.c[ic*job.ldc+jc], job.ldc, job.alpha, beta, fm/g.mr, fn/g.nr)
	}
	for jr := 0; jr < nc; jr += g.nr {
		bp := &buf.b[jr*kc]
		nr := min(g.nr, nc-jr)
		ir0 := 0
		if jr < fn {
			ir0 = fm
		}
		for ir := ir0; ir < mc; ir += g.mr {
			ap := &buf.a[ir*kc]
			mr := min(g.mr, mc-ir)
			i, j := ic+ir, jc+jr
			if !job.ct && mr == g.mr && nr == g.nr {
				g.kernel(kc, ap, bp, &job.c[i*job.ldc+j], job.ldc, job.alpha, beta)
				continue
			}
			g.kernel(kc, ap, bp, &buf.tile[0], g.nr, 1, 0)
			job.merge(buf.tile, i, j, mr, nr, beta)
		}
	}
}

// merge sets the mr×nr block of C at (i0, j0) to alpha·t + beta·C from
// the scratch tile t, not reading C when beta is 0.
func (job *gemmJob) merge(t []float32, i0, j0, mr, nr int, beta float32) {
	rs, cs := job.ldc, 1
	if job.ct {
		rs, cs = 1, job.ldc
	}
	for i := 0; i < mr; i++ {
		for j, v := range t[i*job.g.nr:][:nr] {
			c := &job.c[(i0+i)*rs+(j0+j)*cs]
			v *= job.alpha
			if beta != 0 {
				v += beta * *c
			}
			*c = v
		}
	}
}

// packPanels copies rows r0…r0+rows of a matrix X (element (r, p) at
// x[r·rs + p·ps], p from p0 for kc) into w-row micro-panels laid out
// panel by panel as dst[r/w·w·kc + p·w + r%w], zero-filling the rows
// past the end of the last panel.
func (g *packedGemm) packPanels(dst []float32, w int, x []float32, rs, ps, r0, rows, p0, kc int) {
	if ps != 1 {
		if full := rows / w; g.copy != nil && full > 0 {
			g.copy(&dst[0], w, &x[r0+p0*ps], ps, kc, full)
			dst, r0, rows = dst[full*w*kc:], r0+full*w, rows-full*w
			if rows == 0 {
				return
			}
		}
		copyPanels(dst, w, x[r0+p0*ps:], ps, rows, kc)
		return
	}
	for q := 0; q < rows; q += w {
		panel := dst[q*kc : (q+w)*kc]
		h := min(w, rows-q)
		g.transposePanel(panel, w, h, x[(r0+q)*rs+p0:], rs, kc)
		if h < w {
			for p := 0; p < kc; p++ {
				clear(panel[p*w+h : p*w+w])
			}
		}
	}
}

// copyPanels is packPanels for rs == 1, where column p of X is
// contiguous. It walks X in storage order, a column at a time, so the
// reads stream; a panel's w elements go 4 at a time through fixed-size
// arrays, which compile to inline moves where copy calls memmove.
func copyPanels(dst []float32, w int, x []float32, ps, rows, kc int) {
	full := rows - rows%w
	for p := 0; p < kc; p++ {
		col := x[p*ps:][:rows]
		for q := 0; q < full; q += w {
			d, s := dst[q*kc+p*w:][:w], col[q:q+w]
			for j := 0; j+4 <= w; j += 4 {
				*(*[4]float32)(d[j:]) = *(*[4]float32)(s[j:])
			}
			for j := w &^ 3; j < w; j++ {
				d[j] = s[j]
			}
		}
		if full < rows {
			d := dst[full*kc+p*w:][:w]
			clear(d[copy(d, col[full:]):])
		}
	}
}

// transposePanel packs h rows of length kc, x[r·rs:][:kc], into one
// w-row panel. The vector transposer, where there is one, takes whole
// groups of 8 rows (or a whole panel narrower than 8: AVX2's 6-row A
// panels, SIMD128's 4-row B panels) for the first kc − kc mod 8 columns;
// Go does the rest.
func (g *packedGemm) transposePanel(panel []float32, w, h int, x []float32, rs, kc int) {
	k8, r8 := 0, 0 // rows < r8 are done for p < k8
	if g.transpose != nil && kc >= 8 {
		k8 = kc &^ 7
		if w < 8 && h == w {
			g.transpose(&panel[0], w, &x[0], rs, k8, w) // 6 rows spill into slack
			r8 = w
		}
		for ; w >= 8 && r8+8 <= h; r8 += 8 {
			g.transpose(&panel[r8], w, &x[r8*rs], rs, k8, 8)
		}
	}
	for r := 0; r < h; r++ {
		from := 0
		if r < r8 {
			from = k8
		}
		src := x[r*rs:][:kc]
		d := panel[r:]
		for p := from; p < kc; p++ {
			d[p*w] = src[p]
		}
	}
}

// getBuf returns packing space for blocks of up to mc×kc of A and kc×nc
// of B (each rounded up to whole panels), reusing a pooled buffer when it
// is big enough: small products get small buffers.
func (g *packedGemm) getBuf(mc, nc, kc int) *packBuf {
	na := ceilDiv(mc, g.mr)*g.mr*kc + 8 // slack for transpose's spill
	nb := ceilDiv(nc, g.nr) * g.nr * kc
	buf := g.bufs.get()
	if buf == nil {
		buf = &packBuf{tile: alignedFloats(g.mr * g.nr)}
	}
	if len(buf.a) < na {
		buf.a = alignedFloats(na)
	}
	if len(buf.b) < nb {
		buf.b = alignedFloats(nb)
	}
	return buf
}

// alignedFloats returns n floats starting on a 64-byte boundary, so
// vector loads of packed panels never straddle cache lines.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+16)
	skip := (64 - int(uintptr(unsafe.Pointer(&s[0]))%64)) % 64 / 4
	return s[skip : skip+n]
}

// scaleRows sets C = beta·C, clearing C when beta is 0.
func scaleRows(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc:][:n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
