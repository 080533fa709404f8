//go:build !noasm

#include "textflag.h"

// Row kernels for LogSumExp and Softmax on AVX2+FMA. Each takes n, a
// multiple of 32, and works on four 8-wide vectors per iteration.
//
// exp(x) is computed as 2^k·p(r): k = round(x·log2 e), found by adding
// S = 1.5·2^23 + 127 in the same FMA (the sum's low mantissa bits are
// then k + 127, the biased exponent of 2^k, so a shift builds 2^k);
// r = x − k·ln 2 in two FMA steps (Cody–Waite: ln 2 split into a high
// part whose products with k are exact, and a low part); p(r) =
// 1 + r·(1 + r·(1/2 + r·q(r))) with Cephes' expf coefficients, for
// |r| ≤ ln2/2, by Horner's rule. Arguments are clamped below at −88,
// where k = −127 makes the shifted exponent field 0 and so 2^k = +0:
// results under 2^−126.5 (arguments under −87.68, −Inf included) are
// flushed to 0. Softmax's arguments are also clamped above at 88.3762
// (k ≤ 127), so larger ones saturate at 2.4e38; LogSumExp's, x − max,
// are ≤ 0 and need no upper clamp. The error over [−87.3, 88.37] is below
// 1 ulp (maxExpULP in lse_test.go); NaN propagates. The AVX-512 and NEON
// kernels compute the same values there.

// Each constant is stored 8 times (32 bytes), so the polynomial's FMAs
// take their coefficients straight from memory.
#define CONST8(off, v) \
	DATA expc<>+(off)(SB)/4, v;    \
	DATA expc<>+(off+4)(SB)/4, v;  \
	DATA expc<>+(off+8)(SB)/4, v;  \
	DATA expc<>+(off+12)(SB)/4, v; \
	DATA expc<>+(off+16)(SB)/4, v; \
	DATA expc<>+(off+20)(SB)/4, v; \
	DATA expc<>+(off+24)(SB)/4, v; \
	DATA expc<>+(off+28)(SB)/4, v

CONST8(0, $88.3762)               // upper clamp
CONST8(32, $-88.0)                // lower clamp: k = −127
CONST8(64, $1.44269504088896341)  // log2 e
CONST8(96, $12583039.0)           // S
CONST8(128, $0.693359375)         // ln 2, high part
CONST8(160, $-2.12194440e-4)      // ln 2, low part
CONST8(192, $1.0)
CONST8(224, $1.9875691500e-4)     // r⁵ … r⁰ of q, then 1/2
CONST8(256, $1.3981999507e-3)
CONST8(288, $8.3334519073e-3)
CONST8(320, $4.1665795894e-2)
CONST8(352, $1.6666665459e-1)
CONST8(384, $5.0000001201e-1)
GLOBL expc<>(SB), RODATA|NOPTR, $416

// EXPCONSTS loads the constants the loop keeps in registers.
#define EXPCONSTS \
	VMOVUPS expc<>+0(SB), Y15;   \
	VMOVUPS expc<>+32(SB), Y14;  \
	VMOVUPS expc<>+64(SB), Y13;  \
	VMOVUPS expc<>+96(SB), Y12;  \
	VMOVUPS expc<>+128(SB), Y11; \
	VMOVUPS expc<>+160(SB), Y10; \
	VMOVUPS expc<>+192(SB), Y9;  \
	VMOVUPS expc<>+224(SB), Y8;  \
	VMOVUPS expc<>+256(SB), Y7

// HORNER8 sets y = y·x + c for the constant at byte off of expc.
#define HORNER8(off, x, y) \
	VFMADD213PS expc<>+off(SB), x, y

// EXPPARTS8 sets y = p(r) and t = 2^k, exp(x) = y·t, for x already
// clamped, clobbering x and c; the later Horner coefficients are memory
// operands as registers run out. In order: t = S + k; c = k; x = r;
// y = p(r); t = 2^k.
#define EXPPARTS8(x, y, t, c) \
	VMOVAPS      Y12, t;         \
	VFMADD231PS  Y13, x, t;      \
	VSUBPS       Y12, t, c;      \
	VFNMADD231PS Y11, c, x;      \
	VFNMADD231PS Y10, c, x;      \
	VMOVAPS      Y8, y;          \
	VFMADD213PS  Y7, x, y;       \
	HORNER8(288, x, y);          \
	HORNER8(320, x, y);          \
	HORNER8(352, x, y);          \
	HORNER8(384, x, y);          \
	VFMADD213PS  Y9, x, y;       \
	VFMADD213PS  Y9, x, y;       \
	VPSLLD       $23, t, t

// EXP8 sets y = exp(x) = p·2^k as EXPPARTS8 leaves them.
#define EXP8(x, y, t, c)   \
	EXPPARTS8(x, y, t, c); \
	VMULPS t, y, y

// SUMEXP8 adds exp(x[off] − shift) to the accumulator acc, as p·2^k in
// one FMA: one operation and one rounding fewer than exp and then a
// sum. The clamp max(lo, x) keeps NaN.
#define SUMEXP8(off, acc) \
	VMOVUPS     off(SI), Y0;        \
	VSUBPS      Y6, Y0, Y0;         \
	VMAXPS      Y0, Y14, Y0;        \
	EXPPARTS8(Y0, Y1, Y2, Y3);      \
	VFMADD231PS Y2, Y1, acc

// EXPSHIFT8 stores y[off] = exp(x[off] − shift), clamping on both sides.
#define EXPSHIFT8(off) \
	VMOVUPS off(SI), Y0;  \
	VSUBPS  Y6, Y0, Y0;   \
	VMAXPS  Y0, Y14, Y0;  \
	VMINPS  Y0, Y15, Y0;  \
	EXP8(Y0, Y1, Y2, Y3); \
	VMOVUPS Y1, off(DI)

// func rowMax32AVX2(x *float32, n int) float32
TEXT ·rowMax32AVX2(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPS (SI), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3

loop:
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	VMAXPS 64(SI), Y2, Y2
	VMAXPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	JNZ    loop

	VMAXPS       Y1, Y0, Y0
	VMAXPS       Y3, Y2, Y2
	VMAXPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func rowSumExp32AVX2(x *float32, n int, shift float32) float32
TEXT ·rowSumExp32AVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS shift+16(FP), Y6
	EXPCONSTS
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5

loop:
	SUMEXP8(0, Y4)
	SUMEXP8(32, Y5)
	SUMEXP8(64, Y4)
	SUMEXP8(96, Y5)
	ADDQ    $128, SI
	SUBQ    $32, CX
	JNZ     loop

	VADDPS       Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X1
	VADDPS       X1, X4, X4
	VPERMILPS    $0x4e, X4, X1
	VADDPS       X1, X4, X4
	VPERMILPS    $0xb1, X4, X1
	VADDPS       X1, X4, X4
	VMOVSS       X4, ret+24(FP)
	VZEROUPPER
	RET

// func expShift32AVX2(x, y *float32, n int, shift float32)
TEXT ·expShift32AVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y6
	EXPCONSTS

loop:
	EXPSHIFT8(0)
	EXPSHIFT8(32)
	EXPSHIFT8(64)
	EXPSHIFT8(96)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JNZ  loop
	VZEROUPPER
	RET
