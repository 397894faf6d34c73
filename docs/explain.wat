;; The function of the screenshot in docs/explain.md:
;;   lathe explain --target x86_64 --set opt_level=speed --function sum_pairs \
;;       --html explain.html docs/explain.wat
(module
  (memory 1)
  ;; Sums p[0]+p[1], p[2]+p[3], ... over n pairs of i32. `p + 4` is computed twice in
  ;; the Wasm; the mid-end keeps one.
  (func $sum_pairs (param $p i32) (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (i32.add (local.get $acc)
            (i32.add (i32.load (local.get $p))
                     (i32.load (i32.add (local.get $p) (i32.const 4))))))
        (local.set $p (i32.add (i32.add (local.get $p) (i32.const 4)) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
