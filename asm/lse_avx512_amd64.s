//go:build !noasm

#include "textflag.h"

// Row kernels for LogSumExp and Softmax on AVX-512F: the exp of
// lse_avx2_amd64.s on 16-wide vectors, four per iteration, with n a
// multiple of 64. k and p(r) are computed the same way, but VSCALEFPS
// applies 2^k with IEEE rounding, so no exponent arithmetic is needed and
// the clamps, at −110 (where exp already rounds to 0) and at 89 (where it
// overflows), only keep r finite for ±Inf. Results therefore equal the
// AVX2 kernel's except below 2^−126, where these are correctly rounded
// subnormals, and above 2^127.5, where these are exact up to +Inf.

DATA expc<>+0(SB)/4, $89.0                 // upper clamp, keeps r finite for +Inf
DATA expc<>+4(SB)/4, $-110.0               // lower clamp
DATA expc<>+8(SB)/4, $1.44269504088896341  // log2 e
DATA expc<>+12(SB)/4, $12583039.0          // S = 1.5·2^23 + 127
DATA expc<>+16(SB)/4, $0.693359375         // ln 2, high part
DATA expc<>+20(SB)/4, $-2.12194440e-4      // ln 2, low part
DATA expc<>+24(SB)/4, $1.0
DATA expc<>+28(SB)/4, $1.9875691500e-4     // r⁵ … r⁰ of q, then 1/2
DATA expc<>+32(SB)/4, $1.3981999507e-3
DATA expc<>+36(SB)/4, $8.3334519073e-3
DATA expc<>+40(SB)/4, $4.1665795894e-2
DATA expc<>+44(SB)/4, $1.6666665459e-1
DATA expc<>+48(SB)/4, $5.0000001201e-1
GLOBL expc<>(SB), RODATA|NOPTR, $52

#define EXPCONSTS \
	VBROADCASTSS expc<>+0(SB), Z15;  \
	VBROADCASTSS expc<>+4(SB), Z14;  \
	VBROADCASTSS expc<>+8(SB), Z13;  \
	VBROADCASTSS expc<>+12(SB), Z12; \
	VBROADCASTSS expc<>+16(SB), Z11; \
	VBROADCASTSS expc<>+20(SB), Z10; \
	VBROADCASTSS expc<>+24(SB), Z9;  \
	VBROADCASTSS expc<>+28(SB), Z8;  \
	VBROADCASTSS expc<>+32(SB), Z7;  \
	VBROADCASTSS expc<>+36(SB), Z6;  \
	VBROADCASTSS expc<>+40(SB), Z5;  \
	VBROADCASTSS expc<>+44(SB), Z4;  \
	VBROADCASTSS expc<>+48(SB), Z19

// EXP16 sets y = exp(x) for x already clamped, clobbering x and c:
// c = k, x = r, y = p(r), y = p·2^k.
#define EXP16(x, y, c) \
	VMOVAPS      Z12, c;     \
	VFMADD231PS  Z13, x, c;  \
	VSUBPS       Z12, c, c;  \
	VFNMADD231PS Z11, c, x;  \
	VFNMADD231PS Z10, c, x;  \
	VMOVAPS      Z8, y;      \
	VFMADD213PS  Z7, x, y;   \
	VFMADD213PS  Z6, x, y;   \
	VFMADD213PS  Z5, x, y;   \
	VFMADD213PS  Z4, x, y;   \
	VFMADD213PS  Z19, x, y;  \
	VFMADD213PS  Z9, x, y;   \
	VFMADD213PS  Z9, x, y;   \
	VSCALEFPS    c, y, y

// SUMEXP16 adds exp(x[off] − shift) to acc; the arguments are ≤ 0 or
// NaN, so only the lower clamp is needed, which keeps NaN.
#define SUMEXP16(off, acc) \
	VMOVUPS off(SI), Z0; \
	VSUBPS  Z3, Z0, Z0;  \
	VMAXPS  Z0, Z14, Z0; \
	EXP16(Z0, Z1, Z2);   \
	VADDPS  Z1, acc, acc

// EXPSHIFT16 stores y[off] = exp(x[off] − shift), clamping on both sides.
#define EXPSHIFT16(off) \
	VMOVUPS off(SI), Z0; \
	VSUBPS  Z3, Z0, Z0;  \
	VMAXPS  Z0, Z14, Z0; \
	VMINPS  Z0, Z15, Z0; \
	EXP16(Z0, Z1, Z2);   \
	VMOVUPS Z1, off(DI)

// func rowMax64AVX512(x *float32, n int) float32
TEXT ·rowMax64AVX512(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPS (SI), Z0
	VMOVAPS Z0, Z1
	VMOVAPS Z0, Z2
	VMOVAPS Z0, Z3

loop:
	VMAXPS (SI), Z0, Z0
	VMAXPS 64(SI), Z1, Z1
	VMAXPS 128(SI), Z2, Z2
	VMAXPS 192(SI), Z3, Z3
	ADDQ   $256, SI
	SUBQ   $64, CX
	JNZ    loop

	VMAXPS        Z1, Z0, Z0
	VMAXPS        Z3, Z2, Z2
	VMAXPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VMOVSS        X0, ret+16(FP)
	VZEROUPPER
	RET

// func rowSumExp64AVX512(x *float32, n int, shift float32) float32
TEXT ·rowSumExp64AVX512(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS shift+16(FP), Z3
	EXPCONSTS
	VPXORD       Z17, Z17, Z17
	VPXORD       Z18, Z18, Z18

loop:
	SUMEXP16(0, Z17)
	SUMEXP16(64, Z18)
	SUMEXP16(128, Z17)
	SUMEXP16(192, Z18)
	ADDQ $256, SI
	SUBQ $64, CX
	JNZ  loop

	VADDPS        Z18, Z17, Z17
	VEXTRACTF64X4 $1, Z17, Y1
	VADDPS        Y1, Y17, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDPS        X1, X0, X0
	VMOVSS        X0, ret+24(FP)
	VZEROUPPER
	RET

// func expShift64AVX512(x, y *float32, n int, shift float32)
TEXT ·expShift64AVX512(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS shift+24(FP), Z3
	EXPCONSTS

loop:
	EXPSHIFT16(0)
	EXPSHIFT16(64)
	EXPSHIFT16(128)
	EXPSHIFT16(192)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  loop
	VZEROUPPER
	RET
