;; The SIMD128 sgemm microkernel for the browser build (kernels_wasm.go).
;; Pointers are byte offsets into Go's linear memory, imported as go.mem
;; and shared once wasm-merge has joined this module to Go's
;; (scripts/wasm-simd.sh).
;;
;; An 8×4 tile of C is held by columns in eight f32x4 accumulators: $cj0
;; has rows 0–3 of column j, $cj1 rows 4–7. Each k step loads the eight A
;; values of the step as two vectors and broadcasts the four B values one
;; at a time. Tiles 8 tall make A's panels 8 wide, which transposeRows
;; (pack_simd128.wat) packs in 4×4 blocks, as it packs B's whole 4-wide
;; panels.
;;
;; Multiply and add stay separate: fused multiply-add is only in relaxed
;; SIMD, which not every browser has; the relaxed build derives its
;; kernel from this one, with each f32x4.mul that feeds an f32x4.add and
;; that add one f32x4.relaxed_madd (scripts/wasm-relaxed.js). The tile is what V8 keeps in
;; registers: x86-64 has 16 vector registers, and this loop needs 15
;; (8 accumulators, 2 of A, 4 of B, a product). With 12 accumulators (6×8,
;; 4×12 by rows) V8's register allocator spills inside the loop; 8 (this
;; tile, 4×8 and 2×16 by rows) ran fastest, near 40 GFLOP/s in node on
;; Zen 4. The loop is that tight only if V8 keeps each multiply next to its
;; add, which it did not once the epilogue transposed the tile with
;; shuffles (17 GFLOP/s, two accumulators spilled); the epilogue therefore
;; moves columns to and from C's rows one lane at a time, a cost paid once
;; per tile and k block. Unrolling the k loop was slower too.
(module
  (import "go" "mem" (memory 0))

  ;; sgemmKernel8x4(k, a, b, c, ldc, alpha, beta): C = alpha·Σ_p
  ;; a[p·8+i]·b[p·4+j] + beta·C for the 8×4 tile at c (row stride ldc
  ;; elements), k ≥ 1; beta == 0 does not read C.
  (func $kernel (export "sgemmKernel8x4") (param $k i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $alpha f32) (param $beta f32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $a0 v128) (local $a1 v128) (local $x v128)
    (loop $steps
      (local.set $a0 (v128.load (local.get $a)))
      (local.set $a1 (v128.load offset=16 (local.get $a)))
      (local.set $x (v128.load32_splat (local.get $b)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $x))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a1) (local.get $x))))
      (local.set $x (v128.load32_splat offset=4 (local.get $b)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a0) (local.get $x))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a1) (local.get $x))))
      (local.set $x (v128.load32_splat offset=8 (local.get $b)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a0) (local.get $x))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a1) (local.get $x))))
      (local.set $x (v128.load32_splat offset=12 (local.get $b)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a0) (local.get $x))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a1) (local.get $x))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $steps (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))

    (local.set $x (f32x4.splat (local.get $alpha)))
    (local.set $c00 (f32x4.mul (local.get $c00) (local.get $x)))
    (local.set $c01 (f32x4.mul (local.get $c01) (local.get $x)))
    (local.set $c10 (f32x4.mul (local.get $c10) (local.get $x)))
    (local.set $c11 (f32x4.mul (local.get $c11) (local.get $x)))
    (local.set $c20 (f32x4.mul (local.get $c20) (local.get $x)))
    (local.set $c21 (f32x4.mul (local.get $c21) (local.get $x)))
    (local.set $c30 (f32x4.mul (local.get $c30) (local.get $x)))
    (local.set $c31 (f32x4.mul (local.get $c31) (local.get $x)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    ;; Add beta·C unless beta is 0, when C is not read: $x gathers column
    ;; j of rows 4h … 4h+3, $a steps down the rows.
    (if (f32.ne (local.get $beta) (f32.const 0))
      (then
        (local.set $a1 (f32x4.splat (local.get $beta)))
        (local.set $a (local.get $c))
        (local.set $x (v128.load32_lane 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (local.get $c))
        (local.set $x (v128.load32_lane offset=4 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (local.get $c))
        (local.set $x (v128.load32_lane offset=8 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (local.get $c))
        (local.set $x (v128.load32_lane offset=12 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))))
        (local.set $x (v128.load32_lane 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))))
        (local.set $x (v128.load32_lane offset=4 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=4 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))))
        (local.set $x (v128.load32_lane offset=8 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=8 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $a1))))
        (local.set $a (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))))
        (local.set $x (v128.load32_lane offset=12 0 (local.get $a) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 1 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 2 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $x (v128.load32_lane offset=12 3 (local.tee $a (i32.add (local.get $a) (local.get $ldc))) (local.get $x)))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $a1))))))
    ;; Row i of C is lane i mod 4 of $c0h … $c3h, h = i div 4.
    (v128.store32_lane 0 (local.get $c) (local.get $c00))
    (v128.store32_lane offset=4 0 (local.get $c) (local.get $c10))
    (v128.store32_lane offset=8 0 (local.get $c) (local.get $c20))
    (v128.store32_lane offset=12 0 (local.get $c) (local.get $c30))
    (v128.store32_lane 1 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c00))
    (v128.store32_lane offset=4 1 (local.get $c) (local.get $c10))
    (v128.store32_lane offset=8 1 (local.get $c) (local.get $c20))
    (v128.store32_lane offset=12 1 (local.get $c) (local.get $c30))
    (v128.store32_lane 2 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c00))
    (v128.store32_lane offset=4 2 (local.get $c) (local.get $c10))
    (v128.store32_lane offset=8 2 (local.get $c) (local.get $c20))
    (v128.store32_lane offset=12 2 (local.get $c) (local.get $c30))
    (v128.store32_lane 3 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c00))
    (v128.store32_lane offset=4 3 (local.get $c) (local.get $c10))
    (v128.store32_lane offset=8 3 (local.get $c) (local.get $c20))
    (v128.store32_lane offset=12 3 (local.get $c) (local.get $c30))
    (v128.store32_lane 0 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c01))
    (v128.store32_lane offset=4 0 (local.get $c) (local.get $c11))
    (v128.store32_lane offset=8 0 (local.get $c) (local.get $c21))
    (v128.store32_lane offset=12 0 (local.get $c) (local.get $c31))
    (v128.store32_lane 1 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c01))
    (v128.store32_lane offset=4 1 (local.get $c) (local.get $c11))
    (v128.store32_lane offset=8 1 (local.get $c) (local.get $c21))
    (v128.store32_lane offset=12 1 (local.get $c) (local.get $c31))
    (v128.store32_lane 2 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c01))
    (v128.store32_lane offset=4 2 (local.get $c) (local.get $c11))
    (v128.store32_lane offset=8 2 (local.get $c) (local.get $c21))
    (v128.store32_lane offset=12 2 (local.get $c) (local.get $c31))
    (v128.store32_lane 3 (local.tee $c (i32.add (local.get $c) (local.get $ldc))) (local.get $c01))
    (v128.store32_lane offset=4 3 (local.get $c) (local.get $c11))
    (v128.store32_lane offset=8 3 (local.get $c) (local.get $c21))
    (v128.store32_lane offset=12 3 (local.get $c) (local.get $c31)))

  ;; sgemmTiles8x4(k, a, b, c, ldc, alpha, beta, mt, nt) runs the kernel
  ;; over mt×nt whole tiles of packed panels (a: mt of 8·k floats, b: nt of
  ;; 4·k), tile (i, j) at c + 8i rows + 4j columns, a column of tiles at a
  ;; time as gemmJob.block does. One call a block, where Go called the
  ;; kernel once a tile through two Go functions, took Go's calls and
  ;; index checks (6% of the small step under node) out of the products.
  ;; (Moving the tile's epilogue into a function of its own, there to
  ;; transpose with shuffles, measured no faster.)
  (func (export "sgemmTiles8x4") (param $k i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $alpha f32) (param $beta f32) (param $mt i32) (param $nt i32)
    (local $i i32) (local $ap i32) (local $cp i32) (local $rows8 i32)
    (local.set $rows8 (i32.shl (local.get $ldc) (i32.const 5)))
    (loop $cols
      (local.set $ap (local.get $a))
      (local.set $cp (local.get $c))
      (local.set $i (local.get $mt))
      (loop $tiles
        (call $kernel (local.get $k) (local.get $ap) (local.get $b) (local.get $cp) (local.get $ldc) (local.get $alpha) (local.get $beta))
        (local.set $ap (i32.add (local.get $ap) (i32.shl (local.get $k) (i32.const 5))))
        (local.set $cp (i32.add (local.get $cp) (local.get $rows8)))
        (br_if $tiles (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
      (local.set $b (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $cols (local.tee $nt (i32.sub (local.get $nt) (i32.const 1))))))
)
