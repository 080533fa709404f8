//go:build !noasm

#include "textflag.h"

// Packing for the amd64 microkernels: the transposing case, where the
// rows of the operand run along k but a panel wants k-major order, done
// 8×8 elements at a time in registers (AVX2, which every AVX-512 CPU
// also has).

// TRANSPOSE8x8 transposes rows Y0–Y7 (8 elements each) into Y0–Y7 in
// the order p0, p4, p1, p5, p2, p6, p3, p7, using Y8–Y15.
#define TRANSPOSE8x8 \
	VUNPCKLPS  Y1, Y0, Y8;         \
	VUNPCKHPS  Y1, Y0, Y9;         \
	VUNPCKLPS  Y3, Y2, Y10;        \
	VUNPCKHPS  Y3, Y2, Y11;        \
	VUNPCKLPS  Y5, Y4, Y12;        \
	VUNPCKHPS  Y5, Y4, Y13;        \
	VUNPCKLPS  Y7, Y6, Y14;        \
	VUNPCKHPS  Y7, Y6, Y15;        \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8;  \
	VPERM2F128 $0x31, Y4, Y0, Y9;  \
	VPERM2F128 $0x20, Y5, Y1, Y10; \
	VPERM2F128 $0x31, Y5, Y1, Y11; \
	VPERM2F128 $0x20, Y6, Y2, Y12; \
	VPERM2F128 $0x31, Y6, Y2, Y13; \
	VPERM2F128 $0x20, Y7, Y3, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// func transposeRows8AVX2(dst *float32, w int, src *float32, ld int, kc int, rows int)
//
// For p < kc (a positive multiple of 8) and r < 8, sets dst[p·w + r] =
// src[r·ld + p], reading rows r < rows (6 or 8) and taking the others as
// 0. Each p stores 8 elements, so with w < 8 the store for p spills into
// p+1's slots (rewritten next) and the last one 8 − w elements past
// dst[(kc−1)·w + w − 1].
TEXT ·transposeRows8AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), AX
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), BX
	MOVQ kc+32(FP), CX
	MOVQ rows+40(FP), R11
	SHLQ $2, AX                // w and ld in bytes
	SHLQ $2, BX
	LEAQ (BX)(BX*2), DX        // 3·ld
	LEAQ (AX)(AX*2), R12       // 3·w
	LEAQ (SI)(BX*4), R9        // row 4
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(BX*1), Y1
	VMOVUPS (SI)(BX*2), Y2
	VMOVUPS (SI)(DX*1), Y3
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(BX*1), Y5
	CMPQ    R11, $8
	JNE     six
	VMOVUPS (R9)(BX*2), Y6
	VMOVUPS (R9)(DX*1), Y7

six:
	TRANSPOSE8x8
	LEAQ    (DI)(AX*4), R10
	VMOVUPS Y8, (DI)
	VMOVUPS Y10, (DI)(AX*1)
	VMOVUPS Y12, (DI)(AX*2)
	VMOVUPS Y14, (DI)(R12*1)
	VMOVUPS Y9, (R10)
	VMOVUPS Y11, (R10)(AX*1)
	VMOVUPS Y13, (R10)(AX*2)
	VMOVUPS Y15, (R10)(R12*1)
	LEAQ    (R10)(AX*4), DI
	ADDQ    $32, SI
	ADDQ    $32, R9
	CMPQ    R11, $8
	JEQ     next
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7

next:
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// lanes<>+(32 − 4r) holds a mask selecting the first r of 8 lanes.
DATA lanes<>+0(SB)/8, $-1
DATA lanes<>+8(SB)/8, $-1
DATA lanes<>+16(SB)/8, $-1
DATA lanes<>+24(SB)/8, $-1
DATA lanes<>+32(SB)/8, $0
DATA lanes<>+40(SB)/8, $0
DATA lanes<>+48(SB)/8, $0
DATA lanes<>+56(SB)/8, $0
GLOBL lanes<>(SB), RODATA|NOPTR, $64

// func copyPanelsAVX2(dst *float32, w int, src *float32, ps int, kc int, panels int)
//
// The non-transposing pack: for p < kc, q < panels and j < w, sets
// dst[q·w·kc + p·w + j] = src[p·ps + q·w + j], reading src in storage
// order. The last w mod 8 elements of each copy go through masked moves.
TEXT ·copyPanelsAVX2(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  w+8(FP), AX
	MOVQ  src+16(FP), SI
	MOVQ  ps+24(FP), BX
	MOVQ  kc+32(FP), CX
	MOVQ  AX, R12
	ANDQ  $7, R12            // w mod 8
	SHLQ  $2, AX             // w in bytes
	SHLQ  $2, BX             // ps in bytes
	MOVQ  AX, R8
	IMULQ CX, R8             // panel size in bytes
	MOVQ  AX, R13
	SUBQ  R12, R13
	SUBQ  R12, R13
	SUBQ  R12, R13
	SUBQ  R12, R13           // bytes copied 8 at a time
	LEAQ  lanes<>+32(SB), R14
	SHLQ  $2, R12
	SUBQ  R12, R14
	VMOVDQU (R14), Y1        // the mask for the last w mod 8 elements

col:
	MOVQ SI, R9              // this column of src
	MOVQ DI, R10             // this column's slot in the first panel
	MOVQ panels+40(FP), R11

panel:
	XORQ DX, DX
	CMPQ DX, R13
	JGE  rest

chunk:
	VMOVUPS (R9)(DX*1), Y0
	VMOVUPS Y0, (R10)(DX*1)
	ADDQ    $32, DX
	CMPQ    DX, R13
	JLT     chunk

rest:
	TESTQ      R12, R12
	JZ         next
	VMASKMOVPS (R9)(DX*1), Y1, Y0
	VMASKMOVPS Y0, Y1, (R10)(DX*1)

next:
	ADDQ AX, R9
	ADDQ R8, R10
	DECQ R11
	JNZ  panel

	ADDQ BX, SI
	ADDQ AX, DI
	DECQ CX
	JNZ  col
	VZEROUPPER
	RET
