;; Elementwise kernels in WebAssembly SIMD128 for the browser build
;; (kernels_wasm.go): the convolution fast path's sums and differences,
;; bias rows and the ReLU, which Go's wasm ran one float at a time with a
;; bounds check each (a sixth of the small step under node). Each takes n
;; elements, any n: 4 a vector step, then the last n mod 4 one at a time.
;; Every lane does what the Go loops do to one element, with one rounding
;; per add, so results are bit-identical to the generic path. Pointers
;; are byte offsets into Go's linear memory, imported as go.mem and shared
;; once wasm-merge has joined this module to Go's (scripts/wasm-simd.sh).
;; Nothing here multiplies, so the relaxed build uses these as they are.
(module
  (import "go" "mem" (memory 0))

  ;; add(d, a, b, n, neg): d[i] = a[i] + b[i], or a[i] − b[i] if neg is
  ;; not 0. d may be a or b.
  (func (export "add") (param $d i32) (param $a i32) (param $b i32) (param $n i32) (param $neg i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $d) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (if (local.get $neg)
      (then
        (block $done (loop $vec
          (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
          (v128.store (local.get $d) (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))
          (br $vec)))
        (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
        (block $done (loop $one
          (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
          (f32.store (local.get $d) (f32.sub (f32.load (local.get $a)) (f32.load (local.get $b))))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))
          (br $one)))
        (return)))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
      (v128.store (local.get $d) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
      (f32.store (local.get $d) (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $d (i32.add (local.get $d) (i32.const 4)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $one))))

  ;; addTwice(d0, d1, x, b, n): with t = x[i] + b[i], or x[i] if b is 0
  ;; (Go's nil), d0[i] += t and d1[i] += t. d0 and d1 do not overlap x.
  (func (export "addTwice") (param $d0 i32) (param $d1 i32) (param $x i32) (param $b i32) (param $n i32)
    (local $end i32) (local $t v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $t (v128.load (local.get $x)))
      (if (local.get $b)
        (then
          (local.set $t (f32x4.add (local.get $t) (v128.load (local.get $b))))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))))
      (v128.store (local.get $d0) (f32x4.add (v128.load (local.get $d0)) (local.get $t)))
      (v128.store (local.get $d1) (f32x4.add (v128.load (local.get $d1)) (local.get $t)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
      (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (if (local.get $b)
        (then
          (local.set $s (f32.add (local.get $s) (f32.load (local.get $b))))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))))
      (f32.store (local.get $d0) (f32.add (f32.load (local.get $d0)) (local.get $s)))
      (f32.store (local.get $d1) (f32.add (f32.load (local.get $d1)) (local.get $s)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $d0 (i32.add (local.get $d0) (i32.const 4)))
      (local.set $d1 (i32.add (local.get $d1) (i32.const 4)))
      (br $one))))

  ;; sumRows(g, x, rows, n, ld): g[j] += x[r·ld + j] for r = 0, 1, …, rows − 1
  ;; in turn and j < n; ld in elements, rows ≥ 1. Each column adds its
  ;; rows in order, as the Go loop does.
  (func (export "sumRows") (param $g i32) (param $x i32) (param $rows i32) (param $n i32) (param $ld i32)
    (local $end i32) (local $p i32) (local $r i32) (local $t v128) (local $s f32)
    (local.set $ld (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
      (local.set $t (v128.load (local.get $g)))
      (local.set $p (local.get $x))
      (local.set $r (local.get $rows))
      (loop $row
        (local.set $t (f32x4.add (local.get $t) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $ld)))
        (br_if $row (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
      (v128.store (local.get $g) (local.get $t))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
      (local.set $s (f32.load (local.get $g)))
      (local.set $p (local.get $x))
      (local.set $r (local.get $rows))
      (loop $row
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $ld)))
        (br_if $row (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
      (f32.store (local.get $g) (local.get $s))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $one))))

  ;; relu(y, n): y[i] = 0 where y[i] ≤ 0 (−0 included); NaN stays.
  (func (export "relu") (param $y i32) (param $n i32)
    (local $end i32) (local $t v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (local.set $t (v128.load (local.get $y)))
      (v128.store (local.get $y) (v128.andnot (local.get $t) (f32x4.le (local.get $t) (v128.const i32x4 0 0 0 0))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (if (f32.le (f32.load (local.get $y)) (f32.const 0))
        (then (f32.store (local.get $y) (f32.const 0))))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (br $one))))

  ;; keepPositive(y, dy, n): dy[i] = 0 unless y[i]'s bits, as a signed
  ;; integer, are above 0 (a positive float, or a NaN without its sign).
  (func (export "keepPositive") (param $y i32) (param $dy i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (v128.store (local.get $dy) (v128.and (v128.load (local.get $dy))
        (i32x4.gt_s (v128.load (local.get $y)) (v128.const i32x4 0 0 0 0))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (if (i32.le_s (i32.load (local.get $y)) (i32.const 0))
        (then (i32.store (local.get $dy) (i32.const 0))))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (br $one))))
)
