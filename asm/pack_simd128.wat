;; Packing for the SIMD128 microkernel (sgemm_packed.go's transpose and
;; copy fast paths), for the browser build: Go's wasm moves one float at a
;; time with a bounds check each, which left packing a third of the time
;; of a product with N = 128. Pointers are byte offsets into Go's linear
;; memory, imported as go.mem (scripts/wasm-simd.sh).
(module
  (import "go" "mem" (memory 0))

  ;; transposeRows(dst, w, src, ld, kc, rows) sets dst[p·w + r] =
  ;; src[r·ld + p] for r < rows, 8 or 4 (packPanels passes groups of 8 rows
  ;; and whole 4-row panels), and p < kc, a positive multiple of 4 (it
  ;; passes one of 8), with w ≥ rows; 4×4 blocks are transposed in
  ;; registers, four rows at a time across all kc columns. The block is
  ;; written out in the loop: as a function of its own, called a block,
  ;; node packed at a quarter of the speed (BenchmarkPackSIMD128).
  (func (export "transposeRows") (param $dst i32) (param $w i32) (param $src i32) (param $ld i32) (param $kc i32) (param $rows i32)
    (local $w4 i32) (local $ld4 i32) (local $s i32) (local $d i32) (local $n i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $w4 (i32.shl (local.get $w) (i32.const 2)))
    (local.set $ld4 (i32.shl (local.get $ld) (i32.const 2)))
    (loop $fours
      (local.set $s (local.get $src))
      (local.set $d (local.get $dst))
      (local.set $n (local.get $kc))
      (loop $cols
        (local.set $r0 (v128.load (local.get $s)))
        (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $ld4))))
        (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $ld4) (i32.const 1)))))
        (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ld4) (i32.const 3)))))
        ;; t0 = r0[0] r1[0] r0[1] r1[1], t1 the same of lanes 2, 3; t2, t3 of r2, r3.
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (v128.store (local.get $d)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (local.tee $d (i32.add (local.get $d) (local.get $w4)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (local.tee $d (i32.add (local.get $d) (local.get $w4)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (local.tee $d (i32.add (local.get $d) (local.get $w4)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $d (i32.add (local.get $d) (local.get $w4)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br_if $cols (local.tee $n (i32.sub (local.get $n) (i32.const 4)))))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $ld4) (i32.const 2))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $fours (local.tee $rows (i32.sub (local.get $rows) (i32.const 4))))))

  ;; copyPanels(dst, w, src, ps, kc, panels) sets dst[q·w·kc + p·w + j] =
  ;; src[p·ps + q·w + j] for p < kc, q < panels and j < w, 4 or 8. It
  ;; takes the panels a 64-byte group at a time, down all kc rows: each
  ;; row's group is read whole, and each panel is written in order. Across
  ;; a whole row at a time, every store went to another panel, kc·w·4
  ;; bytes on (4 KiB for B's panels), where L1 keeps few lines of a stride
  ;; that long, and each line of dst missed four times. A whole group's
  ;; four vectors a row go to offsets $o1, $o2, $o3 fixed for the call,
  ;; which ran 2–3 times as fast as loops over panels and vectors.
  (func (export "copyPanels") (param $dst i32) (param $w i32) (param $src i32) (param $ps i32) (param $kc i32) (param $panels i32)
    (local $w4 i32) (local $step i32) (local $group i32) (local $g i32) (local $p i32)
    (local $s i32) (local $d i32) (local $q i32) (local $dd i32) (local $j i32)
    (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local.set $w4 (i32.shl (local.get $w) (i32.const 2)))
    (local.set $step (i32.mul (local.get $w4) (local.get $kc)))
    (local.set $ps (i32.shl (local.get $ps) (i32.const 2)))
    (local.set $group (i32.div_u (i32.const 64) (local.get $w4)))
    ;; Vector v of a group's 64 bytes goes to panel 16v div w4, at byte 16v mod w4.
    (local.set $o1 (i32.add (i32.mul (local.get $step) (i32.div_u (i32.const 16) (local.get $w4))) (i32.rem_u (i32.const 16) (local.get $w4))))
    (local.set $o2 (i32.add (i32.mul (local.get $step) (i32.div_u (i32.const 32) (local.get $w4))) (i32.rem_u (i32.const 32) (local.get $w4))))
    (local.set $o3 (i32.add (i32.mul (local.get $step) (i32.div_u (i32.const 48) (local.get $w4))) (i32.rem_u (i32.const 48) (local.get $w4))))
    (loop $groups
      ;; $g: bytes of each row this group takes.
      (local.set $g (i32.mul (local.get $w4)
        (select (local.get $group) (local.get $panels) (i32.lt_u (local.get $group) (local.get $panels)))))
      (local.set $s (local.get $src))
      (local.set $d (local.get $dst))
      (local.set $p (local.get $kc))
      (if (i32.eq (local.get $g) (i32.const 64))
        (then
          (loop $whole
            (v128.store (local.get $d) (v128.load (local.get $s)))
            (v128.store (i32.add (local.get $d) (local.get $o1)) (v128.load offset=16 (local.get $s)))
            (v128.store (i32.add (local.get $d) (local.get $o2)) (v128.load offset=32 (local.get $s)))
            (v128.store (i32.add (local.get $d) (local.get $o3)) (v128.load offset=48 (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $ps)))
            (local.set $d (i32.add (local.get $d) (local.get $w4)))
            (br_if $whole (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
      (if (local.get $p) (then (loop $rows
        (local.set $q (i32.const 0))
        (local.set $dd (local.get $d))
        (loop $panel
          (local.set $j (i32.const 0))
          (loop $vec
            (v128.store (i32.add (local.get $dd) (local.get $j))
              (v128.load (i32.add (local.get $s) (i32.add (local.get $q) (local.get $j)))))
            (br_if $vec (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $w4))))
          (local.set $dd (i32.add (local.get $dd) (local.get $step)))
          (br_if $panel (i32.lt_u (local.tee $q (i32.add (local.get $q) (local.get $w4))) (local.get $g))))
        (local.set $s (i32.add (local.get $s) (local.get $ps)))
        (local.set $d (i32.add (local.get $d) (local.get $w4)))
        (br_if $rows (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
      (local.set $src (i32.add (local.get $src) (local.get $g)))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.div_u (local.get $g) (local.get $w4)))))
      (br_if $groups (i32.gt_s (local.tee $panels (i32.sub (local.get $panels) (local.get $group))) (i32.const 0)))))
)
