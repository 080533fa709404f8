//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// Row kernels for LogSumExp and Softmax on NEON: the exp of
// lse_avx2_amd64.s (same constants, clamps and operation order, so the
// same results) on 4-wide vectors, four per iteration, with n a multiple
// of 16. V18 holds the shift.

DATA expc<>+0(SB)/4, $88.3762              // upper clamp
DATA expc<>+4(SB)/4, $-88.0                // lower clamp: k = −127
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

// EXPCONSTS loads the constants into V31 (hi), V30 (lo), V29 (log2 e),
// V28 (S), V27, V26 (ln 2 high, low), V25 (1.0) and V19–V24 (q's
// coefficients, then 1/2).
#define EXPCONSTS \
	MOVD    $expc<>(SB), R5; \
	VLD1R.P 4(R5), [V31.S4]; \
	VLD1R.P 4(R5), [V30.S4]; \
	VLD1R.P 4(R5), [V29.S4]; \
	VLD1R.P 4(R5), [V28.S4]; \
	VLD1R.P 4(R5), [V27.S4]; \
	VLD1R.P 4(R5), [V26.S4]; \
	VLD1R.P 4(R5), [V25.S4]; \
	VLD1R.P 4(R5), [V19.S4]; \
	VLD1R.P 4(R5), [V20.S4]; \
	VLD1R.P 4(R5), [V21.S4]; \
	VLD1R.P 4(R5), [V22.S4]; \
	VLD1R.P 4(R5), [V23.S4]; \
	VLD1R.P 4(R5), [V24.S4]

// HORNER4 sets acc = c + y·x: FMLA adds into its destination, so acc is
// first loaded with the constant c, and Horner's steps alternate between
// two registers.
#define HORNER4(c, vx, vy, vacc) \
	VORR  c.B16, c.B16, vacc.B16; \
	VFMLA vy.S4, vx.S4, vacc.S4

// EXP4 sets y = exp(x) for x already clamped, with registers given by
// number (x, y, t, k) and name (vx, vy, vt, vk), as EXP8 in
// lse_avx2_amd64.s, clobbering x, t and k.
#define EXP4(x, y, t, k, vx, vy, vt, vk) \
	VORR    V28.B16, V28.B16, vt.B16; \
	VFMLA   V29.S4, vx.S4, vt.S4;     \
	FSUB4S(k, t, 28);                 \
	VFMLS   V27.S4, vk.S4, vx.S4;     \
	VFMLS   V26.S4, vk.S4, vx.S4;     \
	HORNER4(V20, vx, V19, vk);        \
	HORNER4(V21, vx, vk, vy);         \
	HORNER4(V22, vx, vy, vk);         \
	HORNER4(V23, vx, vk, vy);         \
	HORNER4(V24, vx, vy, vk);         \
	HORNER4(V25, vx, vk, vy);         \
	HORNER4(V25, vx, vy, vk);         \
	VSHL    $23, vt.S4, vt.S4;        \
	FMUL4S(y, k, t)

// func rowMax16NEON(x *float32, n int) float32
TEXT ·rowMax16NEON(SB), NOSPLIT, $0-20
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	VLD1 (R0), [V0.S4, V1.S4, V2.S4, V3.S4]

loop:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	FMAX4S(0, 0, 4)
	FMAX4S(1, 1, 5)
	FMAX4S(2, 2, 6)
	FMAX4S(3, 3, 7)
	SUBS   $16, R1, R1
	BNE    loop

	FMAX4S(0, 0, 1)
	FMAX4S(2, 2, 3)
	FMAX4S(0, 0, 2)
	FMAXV4S(0, 0)
	FMOVS F0, ret+16(FP)
	RET

// SUMEXP4 adds exp(x − shift) for the vector in register number x (name
// vx) to accumulator acc, using the temporaries after it. FMAX keeps NaN.
#define SUMEXP4(x, vx, acc, y, t, k, vy, vt, vk) \
	FSUB4S(x, x, 18);                 \
	FMAX4S(x, 30, x);                 \
	EXP4(x, y, t, k, vx, vy, vt, vk); \
	FADD4S(acc, acc, y)

// func rowSumExp16NEON(x *float32, n int, shift float32) float32
TEXT ·rowSumExp16NEON(SB), NOSPLIT, $0-28
	MOVD    x+0(FP), R0
	MOVD    n+8(FP), R1
	MOVD    $shift+16(FP), R2
	VLD1R   (R2), [V18.S4]
	EXPCONSTS
	VEOR    V16.B16, V16.B16, V16.B16
	VEOR    V17.B16, V17.B16, V17.B16

loop:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	SUMEXP4(0, V0, 16, 4, 5, 6, V4, V5, V6)
	SUMEXP4(1, V1, 17, 8, 9, 10, V8, V9, V10)
	SUMEXP4(2, V2, 16, 12, 13, 14, V12, V13, V14)
	SUMEXP4(3, V3, 17, 4, 5, 6, V4, V5, V6)
	SUBS   $16, R1, R1
	BNE    loop

	FADD4S(16, 16, 17)
	FADDP4S(16, 16, 16)
	FADDP4S(16, 16, 16)
	FMOVS F16, ret+24(FP)
	RET

// CLAMP4 sets x = min(hi, max(lo, x − shift)) for register number x,
// keeping NaN.
#define CLAMP4(x) \
	FSUB4S(x, x, 18); \
	FMAX4S(x, 30, x); \
	FMIN4S(x, 31, x)

// func expShift16NEON(x, y *float32, n int, shift float32)
TEXT ·expShift16NEON(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  n+16(FP), R3
	MOVD  $shift+24(FP), R2
	VLD1R (R2), [V18.S4]
	EXPCONSTS

loop:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	CLAMP4(0)
	CLAMP4(1)
	CLAMP4(2)
	CLAMP4(3)
	EXP4(0, 4, 8, 9, V0, V4, V8, V9)
	EXP4(1, 5, 10, 11, V1, V5, V10, V11)
	EXP4(2, 6, 12, 13, V2, V6, V12, V13)
	EXP4(3, 7, 14, 15, V3, V7, V14, V15)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R1)
	SUBS   $16, R3, R3
	BNE    loop
	RET
