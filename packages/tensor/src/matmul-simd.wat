;; The SIMD matmul micro-kernel: the one loop that makes the course's training fast.
;;
;;   C[M, N] = A[M, K] · B[K, N]          (C is overwritten, not added to)
;;
;; WebAssembly's SIMD instructions work on v128 values: four float32 lanes at once,
;; so one f32x4.mul does four multiplies. The kernel computes C in blocks of 4 rows
;; by 8 columns, and keeps the whole block in eight v128 locals (registers) for the
;; entire sum over k:
;;
;;   for each k:   b0, b1 = B[k, j..j+3], B[k, j+4..j+7]           two 4-lane loads
;;                 for r = 0..3:  x = A[i+r, k] in all four lanes    (f32x4.splat)
;;                                c_r0 += x · b0,  c_r1 += x · b1    16 multiply-adds
;;
;; so every number loaded from memory is used 4 or 8 times, and C is written once.
;; That is the register blocking of matmul.ts's JS kernel, four lanes wide.
;;
;; The caller (matmul-simd.ts) "packs" the operands first, as BLIS and every fast
;; BLAS do (Goto & van de Geijn 2008): A as panels of 4 rows stored k-major,
;; [M/4][K][4], and B as panels of 8 columns, [N/8][K][8]. Then the k loop reads
;; both panels straight through memory, 16 and 32 bytes per step, with constant
;; offsets. Packing also pads M to a multiple of 4, N of 8 and K of 2 with zeros,
;; which is why the loops below need no edge cases.
;;
;; The k loop is unrolled twice (two k's per pass): fewer loop branches per
;; multiply. Unrolling 4 times was slower on our machine: V8 ran out of registers.
;; Measured on the 2-core machine: about 18 GFLOP/s, vs 3.7 for the JS kernel.
(module
  (memory (export "memory") 1)

  ;; c, a, b: byte addresses of C [M][N], packed A and packed B.
  ;; M % 4 == 0, N % 8 == 0, K % 2 == 0.
  (func (export "gemm") (param $c i32) (param $a i32) (param $b i32)
                        (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $k i32)
    (local $pa i32) (local $pb i32) (local $pc i32)
    (local $rowC i32)      ;; bytes per row of C: 4·N
    (local $b0 v128) (local $b1 v128) (local $x v128)
    ;; the 4×8 block of C: c_r0 holds columns j..j+3 of row i+r, c_r1 columns j+4..j+7
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $rowC (i32.shl (local.get $N) (i32.const 2)))

    (local.set $i (i32.const 0))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0))
        (local.set $c10 (v128.const f32x4 0 0 0 0)) (local.set $c11 (v128.const f32x4 0 0 0 0))
        (local.set $c20 (v128.const f32x4 0 0 0 0)) (local.set $c21 (v128.const f32x4 0 0 0 0))
        (local.set $c30 (v128.const f32x4 0 0 0 0)) (local.set $c31 (v128.const f32x4 0 0 0 0))
        ;; panel i/4 of A starts at a + (i/4)·K·16 bytes = a + i·K·4; panel j/8 of B at b + j·K·4
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $K)) (i32.const 2))))
        (local.set $k (local.get $K))
        (block $k_done (loop $ks
          (br_if $k_done (i32.eqz (local.get $k)))
          ;; step k: A's 4 values at pa + 0..12, B's 8 values at pb + 0..28
          (local.set $b0 (v128.load offset=0 (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $x (f32x4.splat (f32.load offset=0 (local.get $pa))))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=4 (local.get $pa))))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=8 (local.get $pa))))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=12 (local.get $pa))))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          ;; step k + 1: the next 16 bytes of A's panel, the next 32 of B's
          (local.set $b0 (v128.load offset=32 (local.get $pb)))
          (local.set $b1 (v128.load offset=48 (local.get $pb)))
          (local.set $x (f32x4.splat (f32.load offset=16 (local.get $pa))))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=20 (local.get $pa))))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=24 (local.get $pa))))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (f32x4.splat (f32.load offset=28 (local.get $pa))))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (local.set $k (i32.sub (local.get $k) (i32.const 2)))
          (br $ks)))
        ;; write the block: row i+r of C starts at c + (i+r)·4N, column j at + 4j
        (local.set $pc (i32.add (local.get $c)
          (i32.add (i32.mul (local.get $i) (local.get $rowC)) (i32.shl (local.get $j) (i32.const 2)))))
        (v128.store offset=0 (local.get $pc) (local.get $c00))
        (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
        (v128.store offset=0 (local.get $pc) (local.get $c10))
        (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
        (v128.store offset=0 (local.get $pc) (local.get $c20))
        (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
        (v128.store offset=0 (local.get $pc) (local.get $c30))
        (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
  )
)
