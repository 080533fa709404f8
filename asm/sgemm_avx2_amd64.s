//go:build !noasm

#include "textflag.h"

// The AVX2+FMA microkernel: a 6×16 tile of C held in Y4–Y15 (row i in
// Y(4+2i), Y(5+2i)); each k step loads one 16-wide row of the B panel into
// Y0, Y1 and broadcasts the six A values in turn, for 12 FMAs per 2 loads
// and 6 broadcasts.

// ROW6x16 multiplies A value at aoff(SI) into row accumulators r0, r1.
#define ROW6x16(aoff, t, r0, r1) \
	VBROADCASTSS aoff(SI), t; \
	VFMADD231PS  Y0, t, r0;   \
	VFMADD231PS  Y1, t, r1

// STEP6x16 is one k step: A values at SI+4·(6s…6s+5), B row at DI+64s.
#define STEP6x16(s) \
	VMOVUPS (64*s)(DI), Y0;            \
	VMOVUPS (64*s+32)(DI), Y1;         \
	ROW6x16(24*s, Y2, Y4, Y5);         \
	ROW6x16(24*s+4, Y3, Y6, Y7);       \
	ROW6x16(24*s+8, Y2, Y8, Y9);       \
	ROW6x16(24*s+12, Y3, Y10, Y11);    \
	ROW6x16(24*s+16, Y2, Y12, Y13);    \
	ROW6x16(24*s+20, Y3, Y14, Y15)

// BETAROW16 adds beta·C (beta in Y1) to a row and stores it; STOREROW16
// only stores. Both step DI to the next row of C (DX bytes on).
#define BETAROW16(r0, r1) \
	VFMADD231PS (DI), Y1, r0;   \
	VFMADD231PS 32(DI), Y1, r1; \
	VMOVUPS     r0, (DI);       \
	VMOVUPS     r1, 32(DI);     \
	ADDQ        DX, DI

#define STOREROW16(r0, r1) \
	VMOVUPS r0, (DI);   \
	VMOVUPS r1, 32(DI); \
	ADDQ    DX, DI

// PREFETCHC16 prefetches the 64 bytes of a C row at R8 (the one or two
// lines it may touch) and steps R8 to the next row.
#define PREFETCHC16 \
	PREFETCHT0 (R8);   \
	PREFETCHT0 63(R8); \
	ADDQ       R9, R8

// func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   b+16(FP), DI

	// Fetch the C tile into L1 while the k loop runs.
	MOVQ c+24(FP), R8
	MOVQ ldc+32(FP), R9
	SHLQ $2, R9
	PREFETCHC16
	PREFETCHC16
	PREFETCHC16
	PREFETCHC16
	PREFETCHC16
	PREFETCHC16

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	// Four k steps per iteration, then the rest one at a time.
	CMPQ CX, $4
	JLT  tail

loop4:
	STEP6x16(0)
	STEP6x16(1)
	STEP6x16(2)
	STEP6x16(3)
	ADDQ $96, SI
	ADDQ $256, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	STEP6x16(0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

done:
	MOVQ         c+24(FP), DI
	MOVQ         ldc+32(FP), DX
	SHLQ         $2, DX
	VBROADCASTSS alpha+40(FP), Y0
	VMULPS       Y0, Y4, Y4
	VMULPS       Y0, Y5, Y5
	VMULPS       Y0, Y6, Y6
	VMULPS       Y0, Y7, Y7
	VMULPS       Y0, Y8, Y8
	VMULPS       Y0, Y9, Y9
	VMULPS       Y0, Y10, Y10
	VMULPS       Y0, Y11, Y11
	VMULPS       Y0, Y12, Y12
	VMULPS       Y0, Y13, Y13
	VMULPS       Y0, Y14, Y14
	VMULPS       Y0, Y15, Y15

	// beta == ±0 (all bits but the sign clear): C is not read.
	MOVL beta+44(FP), AX
	SHLL $1, AX
	JZ   store

	VBROADCASTSS beta+44(FP), Y1
	BETAROW16(Y4, Y5)
	BETAROW16(Y6, Y7)
	BETAROW16(Y8, Y9)
	BETAROW16(Y10, Y11)
	BETAROW16(Y12, Y13)
	BETAROW16(Y14, Y15)
	VZEROUPPER
	RET

store:
	STOREROW16(Y4, Y5)
	STOREROW16(Y6, Y7)
	STOREROW16(Y8, Y9)
	STOREROW16(Y10, Y11)
	STOREROW16(Y12, Y13)
	STOREROW16(Y14, Y15)
	VZEROUPPER
	RET
