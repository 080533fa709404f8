;; Row kernels for LogSumExp and Softmax in WebAssembly SIMD128, for the
;; browser build (kernels_wasm.go). Each takes n, a positive multiple of
;; 4, and works on one 4-wide vector a step: V8 runs the steps of the exp
;; loop side by side anyway, as they are independent. Pointers are byte
;; offsets into Go's linear memory, which this module imports as go.mem
;; and shares once wasm-merge has joined it to Go's module
;; (scripts/wasm-simd.sh).
;;
;; exp(x) = 2^k·p(r) with the constants and clamps of lse_avx2_amd64.s,
;; but with a separate multiply and add wherever AVX2 fuses them: fused
;; multiply-add is only in relaxed SIMD, which not every browser has (the
;; relaxed build derives its kernel from this one, fusing each f32x4.mul
;; that feeds an f32x4.add: scripts/wasm-relaxed.js).
;; k = round(x·log2 e) comes from adding S = 1.5·2^23 + 127 to the rounded
;; product (the sum's low mantissa bits are then k + 127, so a shift
;; builds 2^k). r = rh + rl, where rh = x − k·ln2_hi is exact and rl =
;; −k·ln2_lo is tiny; p(r) = 1 + (rh + (rl + r²·(1/2 + r·q(r)))), Cephes'
;; expf polynomial, summed smallest terms first so that r's own rounding
;; does not reach the result. The error over [−87.3, 88.37] is under 1 ulp
;; (maxExpULP in lse_test.go): 0.84 ulp at most on that test's grid, 0.89
;; on 2^24 random arguments, against 1.11 for the plain Horner form
;; 1 + r·(1 + r·(…)) without FMA. So results are close to the FMA paths'
;; but not bit-identical. Arguments are clamped below at −88 (k = −127
;; makes 2^k = +0, flushing results under 2^−126.5 to 0, −Inf included)
;; and above at 88.3762 (k ≤ 127; larger ones saturate at 2.4e38).
;; pmax and pmin are single instructions where max and min are sequences;
;; as used here they keep a NaN argument, so NaN propagates.
(module
  (import "go" "mem" (memory 0))

  ;; expRows(x, y, n, shift, store) is the loop of both exp kernels, one
  ;; vector a step: it sets e = exp(min(hi, max(lo, x[i] − shift))) and
  ;; stores e at y[i] if store is not 0, else returns Σ e.
  (func $expRows (param $x i32) (param $y i32) (param $n i32) (param $shift f32) (param $store i32) (result f32)
    (local $s v128) (local $sum v128) (local $t v128) (local $k v128)
    (local $rh v128) (local $rl v128) (local $r v128) (local $p v128)
    (local.set $s (f32x4.splat (local.get $shift)))
    (loop $rows
      (local.set $rh (f32x4.pmin (f32x4.pmax
        (f32x4.sub (v128.load (local.get $x)) (local.get $s))
        (v128.const f32x4 -88.0 -88.0 -88.0 -88.0))
        (v128.const f32x4 88.3762 88.3762 88.3762 88.3762)))
      ;; t = x·log2 e + S; k = t − S.
      (local.set $t (f32x4.add
        (f32x4.mul (local.get $rh) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
        (v128.const f32x4 12583039.0 12583039.0 12583039.0 12583039.0)))
      (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12583039.0 12583039.0 12583039.0 12583039.0)))
      ;; r = rh + rl: rh = x − k·ln2_hi (exact), rl = −k·ln2_lo.
      (local.set $rh (f32x4.sub (local.get $rh)
        (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
      (local.set $rl (f32x4.mul (local.get $k) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4)))
      (local.set $r (f32x4.add (local.get $rh) (local.get $rl)))
      ;; p = 1/2 + r·q(r) by Horner's rule.
      (local.set $p (f32x4.add (f32x4.mul (local.get $r) (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
        (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $r) (local.get $p))
        (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $r) (local.get $p))
        (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $r) (local.get $p))
        (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $r) (local.get $p))
        (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
      ;; e = (1 + (rh + (rl + r²·p)))·2^k, the small terms summed first
      ;; (the sum's multiply next to its add, which the relaxed build
      ;; fuses: scripts/wasm-relaxed.js).
      (local.set $p
        (f32x4.add (v128.const f32x4 1.0 1.0 1.0 1.0)
          (f32x4.add (local.get $rh) (f32x4.add (local.get $rl)
            (f32x4.mul (f32x4.mul (local.get $r) (local.get $r)) (local.get $p))))))
      (local.set $t (i32x4.shl (local.get $t) (i32.const 23)))
      (if (local.get $store)
        (then (v128.store (local.get $y) (f32x4.mul (local.get $p) (local.get $t))))
        (else (local.set $sum (f32x4.add (local.get $sum) (f32x4.mul (local.get $p) (local.get $t))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br_if $rows (local.tee $n (i32.sub (local.get $n) (i32.const 4)))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
      (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))

  ;; rowMax4(x, n) = max of x[0:n]; pmax may skip a NaN, which the
  ;; caller's sum of exponentials then meets.
  (func (export "rowMax4") (param $x i32) (param $n i32) (result f32)
    (local $m v128)
    (local.set $m (v128.load (local.get $x)))
    (loop $rows
      (local.set $m (f32x4.pmax (local.get $m) (v128.load (local.get $x))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br_if $rows (local.tee $n (i32.sub (local.get $n) (i32.const 4)))))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
      (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))

  ;; rowSumExp4(x, n, shift) = Σ exp(x[i] − shift).
  (func (export "rowSumExp4") (param $x i32) (param $n i32) (param $shift f32) (result f32)
    (call $expRows (local.get $x) (i32.const 0) (local.get $n) (local.get $shift) (i32.const 0)))

  ;; expShift4(x, y, n, shift): y[i] = exp(x[i] − shift); y may be x.
  (func (export "expShift4") (param $x i32) (param $y i32) (param $n i32) (param $shift f32)
    (drop (call $expRows (local.get $x) (local.get $y) (local.get $n) (local.get $shift) (i32.const 1))))
)
