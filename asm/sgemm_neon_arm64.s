//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// The NEON microkernel: an 8×8 tile of C held in V16–V31 (row i in
// V(16+2i), V(17+2i)); each k step loads one 8-wide row of the B panel
// into V0, V1 and eight A values into V2, V3, and multiplies them in with
// 16 by-element FMLAs, so A needs no broadcasts.

// ROW8x8(i, a, lane) adds A value a.S[lane] (row i) times the B row.
#define ROW8x8(i, a, lane) \
	FMLAE4S(16+2*(i), 0, a, lane); \
	FMLAE4S(17+2*(i), 1, a, lane)

#define STEP8x8 \
	VLD1.P 32(R1), [V0.S4, V1.S4]; \
	VLD1.P 32(R0), [V2.S4, V3.S4]; \
	ROW8x8(0, 2, 0);               \
	ROW8x8(1, 2, 1);               \
	ROW8x8(2, 2, 2);               \
	ROW8x8(3, 2, 3);               \
	ROW8x8(4, 3, 0);               \
	ROW8x8(5, 3, 1);               \
	ROW8x8(6, 3, 2);               \
	ROW8x8(7, 3, 3)

// BETAROW8 scales a row of accumulators (numbers d0, d1, registers v0,
// v1) by alpha (V4.S[0]), adds beta·C (beta in V5.S[0]), stores it and
// steps R2 to the next row of C (R3 bytes on); STOREROW8 does the same
// without reading C.
#define BETAROW8(d0, d1, v0, v1) \
	FMULE4S(d0, d0, 4, 0);    \
	FMULE4S(d1, d1, 4, 0);    \
	VLD1 (R2), [V6.S4, V7.S4]; \
	FMLAE4S(d0, 6, 5, 0);     \
	FMLAE4S(d1, 7, 5, 0);     \
	VST1 [v0.S4, v1.S4], (R2); \
	ADD  R3, R2

#define STOREROW8(d0, d1, v0, v1) \
	FMULE4S(d0, d0, 4, 0);    \
	FMULE4S(d1, d1, 4, 0);    \
	VST1 [v0.S4, v1.S4], (R2); \
	ADD  R3, R2

// PREFETCHC8 prefetches the 32 bytes of a C row at R6 (the one or two
// lines it may touch) and steps R6 to the next row (R7 bytes on).
#define PREFETCHC8 \
	PRFM (R6), PLDL1KEEP; \
	ADD  $31, R6, R8;     \
	PRFM (R8), PLDL1KEEP; \
	ADD  R7, R6

// func sgemmKernel8x8NEON(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel8x8NEON(SB), NOSPLIT, $0-48
	MOVD k+0(FP), R4
	MOVD a+8(FP), R0
	MOVD b+16(FP), R1

	// Fetch the C tile into L1 while the k loop runs.
	MOVD c+24(FP), R6
	MOVD ldc+32(FP), R7
	LSL  $2, R7, R7
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8
	PREFETCHC8

	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

loop:
	STEP8x8
	SUBS $1, R4, R4
	BNE  loop

	MOVD  c+24(FP), R2
	MOVD  ldc+32(FP), R3
	LSL   $2, R3, R3
	FMOVS alpha+40(FP), F4

	// beta == ±0 (all bits but the sign clear): C is not read.
	MOVWU beta+44(FP), R5
	LSLW  $1, R5, R5
	CBZW  R5, store

	FMOVS beta+44(FP), F5
	BETAROW8(16, 17, V16, V17)
	BETAROW8(18, 19, V18, V19)
	BETAROW8(20, 21, V20, V21)
	BETAROW8(22, 23, V22, V23)
	BETAROW8(24, 25, V24, V25)
	BETAROW8(26, 27, V26, V27)
	BETAROW8(28, 29, V28, V29)
	BETAROW8(30, 31, V30, V31)
	RET

store:
	STOREROW8(16, 17, V16, V17)
	STOREROW8(18, 19, V18, V19)
	STOREROW8(20, 21, V20, V21)
	STOREROW8(22, 23, V22, V23)
	STOREROW8(24, 25, V24, V25)
	STOREROW8(26, 27, V26, V27)
	STOREROW8(28, 29, V28, V29)
	STOREROW8(30, 31, V30, V31)
	RET
