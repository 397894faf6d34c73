;; Wasm exception handling under `lathe run`: an exception thrown 100 frames down and
;; caught by tag with its values, one caught whole with catch_all_ref and rethrown with
;; throw_ref to a handler that catches it by tag, a handler that does not match letting
;; an exception pass to an outer one, and a thousand throws caught in a loop.
;; Output is through WASI fd_write; the expected output is in tests/examples.rs.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "frames thrown through, payload:")
  (data (i32.const 140) "rethrown, caught by tag:")
  (data (i32.const 180) "passed on, caught outside:")
  (data (i32.const 220) "caught in a loop:")
  (data (i32.const 260) "\n")

  (tag $deep (param i32 i64))
  (tag $value (param i32))
  (tag $unrelated)

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; " n" in decimal, digits built backwards from offset 90.
  (func $print_num (param $n i64)
    (local $p i32)
    (local.set $p (i32.const 90))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $n) (i64.const 0))))
    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
    (i32.store8 (local.get $p) (i32.const 32))
    (call $print (local.get $p) (i32.sub (i32.const 90) (local.get $p))))
  (func $newline (call $print (i32.const 260) (i32.const 1)))

  ;; Calls itself until n is 0, counting frames, then throws $deep(frames, payload).
  (func $dive (param $n i32) (param $frames i32) (param $payload i64)
    (if (i32.eqz (local.get $n))
      (then (throw $deep (local.get $frames) (local.get $payload))))
    (call $dive (i32.sub (local.get $n) (i32.const 1))
      (i32.add (local.get $frames) (i32.const 1)) (local.get $payload)))

  ;; A handler for another tag on the way: it must let $deep pass.
  (func $guarded (param $n i32)
    (block $h
      (try_table (catch $unrelated $h)
        (call $dive (local.get $n) (i32.const 0) (i64.const 42))))
    (unreachable))

  (func $rethrow (param $v i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h)
        (throw $value (local.get $v)))
      (unreachable))
    (throw_ref))

  (func (export "_start")
    (local $i i32) (local $caught i32) (local $payload i64)
    ;; 100 frames of $dive below $guarded.
    (block $h (result i32 i64)
      (try_table (catch $deep $h)
        (call $guarded (i32.const 100)))
      (unreachable))
    (local.set $payload)
    (call $print (i32.const 100) (i32.const 31))
    (call $print_num (i64.extend_i32_u))
    (call $print_num (local.get $payload))
    (call $newline)

    (block $h (result i32 exnref)
      (try_table (catch_ref $value $h)
        (call $rethrow (i32.const 7)))
      (unreachable))
    (drop)
    (call $print (i32.const 140) (i32.const 24))
    (call $print_num (i64.extend_i32_u))
    (call $newline)

    (block $outer (result i32)
      (try_table (catch $value $outer)
        (block $inner
          (try_table (catch $unrelated $inner)
            (throw $value (i32.const 3)))))
      (unreachable))
    (call $print (i32.const 180) (i32.const 26))
    (call $print_num (i64.extend_i32_u))
    (call $newline)

    (loop $again
      (block $h (result i32)
        (try_table (catch $value $h)
          (throw $value (local.get $i)))
        (unreachable))
      (drop)
      (local.set $caught (i32.add (local.get $caught) (i32.const 1)))
      (br_if $again (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000))))
    (call $print (i32.const 220) (i32.const 17))
    (call $print_num (i64.extend_i32_u (local.get $caught)))
    (call $newline))
)
