//go:build !noasm

#include "textflag.h"

// The AVX-512F microkernel: an 8×32 tile of C held in Z16–Z31 (row i in
// Z(16+2i), Z(17+2i)); each k step loads one 32-wide row of the B panel
// into Z0, Z1 and broadcasts the eight A values, for 16 FMAs per 2 loads
// and 8 broadcasts. Eight rows keep the GRU's M = 8 products free of
// padding.

// ROW8x32 multiplies the A value at aoff(SI) into accumulators r0, r1.
#define ROW8x32(aoff, t, r0, r1) \
	VBROADCASTSS aoff(SI), t; \
	VFMADD231PS  Z0, t, r0;   \
	VFMADD231PS  Z1, t, r1

// STEP8x32 is one k step: A values at SI+4·(8s…8s+7), B row at DI+128s.
#define STEP8x32(s) \
	VMOVUPS (128*s)(DI), Z0;        \
	VMOVUPS (128*s+64)(DI), Z1;     \
	ROW8x32(32*s, Z2, Z16, Z17);    \
	ROW8x32(32*s+4, Z3, Z18, Z19);  \
	ROW8x32(32*s+8, Z4, Z20, Z21);  \
	ROW8x32(32*s+12, Z5, Z22, Z23); \
	ROW8x32(32*s+16, Z2, Z24, Z25); \
	ROW8x32(32*s+20, Z3, Z26, Z27); \
	ROW8x32(32*s+24, Z4, Z28, Z29); \
	ROW8x32(32*s+28, Z5, Z30, Z31)

// BETAROW32 scales a row by alpha (Z0), adds beta·C (beta in Z1) and
// stores it; STOREROW32 scales and stores. Both step DI to the next row.
#define BETAROW32(r0, r1) \
	VMULPS      Z0, r0, r0;     \
	VMULPS      Z0, r1, r1;     \
	VFMADD231PS (DI), Z1, r0;   \
	VFMADD231PS 64(DI), Z1, r1; \
	VMOVUPS     r0, (DI);       \
	VMOVUPS     r1, 64(DI);     \
	ADDQ        DX, DI

#define STOREROW32(r0, r1) \
	VMULPS  Z0, r0, r0; \
	VMULPS  Z0, r1, r1; \
	VMOVUPS r0, (DI);   \
	VMOVUPS r1, 64(DI); \
	ADDQ    DX, DI

// PREFETCHC32 prefetches the 128 bytes of a C row at R8 (the two or
// three lines it may touch) and steps R8 to the next row.
#define PREFETCHC32 \
	PREFETCHT0 (R8);    \
	PREFETCHT0 64(R8);  \
	PREFETCHT0 127(R8); \
	ADDQ       R9, R8

// func sgemmKernel8x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel8x32AVX512(SB), NOSPLIT, $0-48
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   b+16(FP), DI

	// Fetch the C tile into L1 while the k loop runs.
	MOVQ c+24(FP), R8
	MOVQ ldc+32(FP), R9
	SHLQ $2, R9
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32
	PREFETCHC32

	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

	// Four k steps per iteration, then the rest one at a time.
	CMPQ CX, $4
	JLT  tail

loop4:
	STEP8x32(0)
	STEP8x32(1)
	STEP8x32(2)
	STEP8x32(3)
	ADDQ $128, SI
	ADDQ $512, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	STEP8x32(0)
	ADDQ $32, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop1

done:
	MOVQ         c+24(FP), DI
	MOVQ         ldc+32(FP), DX
	SHLQ         $2, DX
	VBROADCASTSS alpha+40(FP), Z0

	// beta == ±0 (all bits but the sign clear): C is not read.
	MOVL beta+44(FP), AX
	SHLL $1, AX
	JZ   store

	VBROADCASTSS beta+44(FP), Z1
	BETAROW32(Z16, Z17)
	BETAROW32(Z18, Z19)
	BETAROW32(Z20, Z21)
	BETAROW32(Z22, Z23)
	BETAROW32(Z24, Z25)
	BETAROW32(Z26, Z27)
	BETAROW32(Z28, Z29)
	BETAROW32(Z30, Z31)
	VZEROUPPER
	RET

store:
	STOREROW32(Z16, Z17)
	STOREROW32(Z18, Z19)
	STOREROW32(Z20, Z21)
	STOREROW32(Z22, Z23)
	STOREROW32(Z24, Z25)
	STOREROW32(Z26, Z27)
	STOREROW32(Z28, Z29)
	STOREROW32(Z30, Z31)
	VZEROUPPER
	RET
