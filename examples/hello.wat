;; Prints a greeting and the first Fibonacci numbers through WASI fd_write.
;; Rebuild hello.wasm with examples/build.sh.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Hello from Lathe! Fibonacci:")
  ;; Writes len bytes at ptr to stdout (iovec at 0, count written at 8).
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Writes " n" in decimal: digits are built backwards from offset 200.
  (func $print_num (param $n i64)
    (local $p i32)
    (local.set $p (i32.const 200))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $n) (i64.const 0))))
    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
    (i32.store8 (local.get $p) (i32.const 32))
    (call $print (local.get $p) (i32.sub (i32.const 200) (local.get $p))))
  (func $fib (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $b (i64.add (local.get $a) (local.tee $a (local.get $b))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $a))
  (func (export "_start")
    (local $i i32)
    (call $print (i32.const 64) (i32.const 28))
    (loop $each
      (call $print_num (call $fib (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 12))))
    (i32.store8 (i32.const 300) (i32.const 10))
    (call $print (i32.const 300) (i32.const 1))))
