package main

// gemmShape is one Sgemm call as the trainer issues it.
type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
	lda, ldb       int // 0: the row length of op's operand
}

// The square anchors and the products one step of the paper config
// (B=8 windows of 20480 samples, C=512, H=256, T=126) issues per batch
// element. Conv layers are channels-last: im2col rows of the input
// overlap, so A (forward) or B (weight grad) is a strided view whose
// leading dimension is stride·Cin.
var gemmShapes = []gemmShape{
	{name: "256³", m: 256, n: 256, k: 256},
	{name: "512³", m: 512, n: 512, k: 512},
	{name: "1024³", m: 1024, n: 1024, k: 1024},
	{name: "conv1 fwd", transB: true, m: 4095, n: 512, k: 10, lda: 5},
	{name: "conv2 fwd", transB: true, m: 1022, n: 512, k: 4096, lda: 2048},
	{name: "conv3 fwd", transB: true, m: 510, n: 512, k: 2048, lda: 1024},
	{name: "conv4 fwd", transB: true, m: 254, n: 512, k: 2048, lda: 1024},
	{name: "conv5 fwd", transB: true, m: 126, n: 512, k: 2048, lda: 1024},
	{name: "conv1 dW", transA: true, m: 512, n: 10, k: 4095, ldb: 5},
	{name: "conv2 dW", transA: true, m: 512, n: 4096, k: 1022, ldb: 2048},
	{name: "conv3 dW", transA: true, m: 512, n: 2048, k: 510, ldb: 1024},
	{name: "conv2 dX", m: 1022, n: 2048, k: 512},
	{name: "conv3 dX", m: 510, n: 1024, k: 512},
	{name: "GRU x·Wih", transB: true, m: 1008, n: 768, k: 512},
	{name: "GRU h·Whh ×126", transB: true, m: 8, n: 768, k: 256},
	{name: "predictors", transB: true, m: 1000, n: 512, k: 256},
	{name: "InfoNCE scores", transB: true, m: 1000, n: 1000, k: 512},
	{name: "InfoNCE dZ", m: 1000, n: 512, k: 1000},
	{name: "InfoNCE dC", transA: true, m: 1000, n: 512, k: 1000},
}

// dims returns the rows, columns and leading dimension of op(X)'s stored
// operand for X = A or B.
func (s gemmShape) dims() (ar, ac, lda, br, bc, ldb int) {
	ar, ac = s.m, s.k
	if s.transA {
		ar, ac = ac, ar
	}
	br, bc = s.k, s.n
	if s.transB {
		br, bc = bc, br
	}
	lda, ldb = s.lda, s.ldb
	if lda == 0 {
		lda = ac
	}
	if ldb == 0 {
		ldb = bc
	}
	return
}

func (s gemmShape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// op names the transposes as BLAS does: N or T for A, then for B.
func (s gemmShape) op() string {
	t := map[bool]string{false: "N", true: "T"}
	return t[s.transA] + t[s.transB]
}
