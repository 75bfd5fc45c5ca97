;; Faulty test module: traps, deadlines, memory exhaustion, bad pointers, lists, and a
;; parse counter, for the host's guest-isolation tests (assembly/ABI.md v2).
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 6)
  (global $len (mut i32) (i32.const -1))
  (global $parses (mut i64) (i64.const 0))
  (global $extracts (mut i64) (i64.const 0))
  (data (i32.const 1024) "[{\22type\22:\22string\22,\22name\22:\22faulty.ok\22,\22desc\22:\22Always the text ok.\22},{\22type\22:\22string\22,\22name\22:\22faulty.trap\22,\22desc\22:\22Executes unreachable.\22},{\22type\22:\22string\22,\22name\22:\22faulty.spin\22,\22desc\22:\22Loops forever (epoch deadline).\22},{\22type\22:\22string\22,\22name\22:\22faulty.oom\22,\22desc\22:\22Grows memory until the limit, then traps.\22},{\22type\22:\22string\22,\22name\22:\22faulty.badptr\22,\22desc\22:\22Returns a string outside its memory.\22},{\22type\22:\22string\22,\22name\22:\22faulty.list\22,\22desc\22:\22Three values: a, bb, ccc.\22,\22isList\22:true},{\22type\22:\22string\22,\22name\22:\22faulty.abort\22,\22desc\22:\22Calls env.abort.\22},{\22type\22:\22uint64\22,\22name\22:\22swap.size\22,\22desc\22:\22Always 42 (same name as the swap module's field).\22},{\22type\22:\22uint64\22,\22name\22:\22faulty.parses\22,\22desc\22:\22dkr_parse calls since instantiation.\22},{\22type\22:\22bool\22,\22name\22:\22faulty.flag\22,\22desc\22:\22Always true.\22},{\22type\22:\22uint64\22,\22name\22:\22faulty.extracts\22,\22desc\22:\22dkr_extract calls since instantiation (the answers of dkr_parse_extract not counted).\22}]")
  (data (i32.const 4000) "okabbccc")
  ;; Scratch text that every dkr_extract call overwrites (as the real extractor reuses its
  ;; output buffer): a string handed out from here is only valid until the next call.
  (data (i32.const 4100) "zzzzzzzzzz")
  (func (export "dkr_abi_version") (result i32) (i32.const 2))
  (func (export "dkr_fields_ptr") (result i32) (i32.const 1024))
  (func (export "dkr_fields_len") (result i32) (i32.const 927))
  (func (export "dkr_result") (result i32) (i32.const 8192))
  (func (export "dkr_arg") (param $n i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $n) (i32.const 4096)) (then (i32.const 0)) (else (i32.const 16384))))
  (func (export "dkr_input") (param $n i32) (result i32)
    (global.set $len (i32.const -1))
    (if (result i32) (i32.gt_u (local.get $n) (i32.const 131072)) (then (i32.const 0)) (else (i32.const 65536))))
  (func $parse (export "dkr_parse") (param $n i32) (result i32)
    (global.set $parses (i64.add (global.get $parses) (i64.const 1)))
    (global.set $len (i32.const -1))
    (if (i32.eq (i32.load8_u (i32.const 65536)) (i32.const 88)) (then (return (i32.const -1))))
    (global.set $len (local.get $n))
    (i32.const 0))
  (func $str (param $at i32) (param $p i32) (param $l i32)
    (i32.store (local.get $at) (local.get $p))
    (i32.store (i32.add (local.get $at) (i32.const 4)) (local.get $l)))
  (func (export "dkr_extract") (param $id i32) (param $al i32) (result i32)
    (global.set $extracts (i64.add (global.get $extracts) (i64.const 1)))
    (call $extract (local.get $id) (local.get $al)))
  (func $extract (param $id i32) (param $al i32) (result i32)
    (if (i32.lt_s (global.get $len) (i32.const 0)) (then (return (i32.const -10))))
    (memory.fill (i32.const 4100) (i32.const 90) (i32.const 10))
    ;; 10 extracts
    (if (i32.eq (local.get $id) (i32.const 10))
      (then (i64.store (i32.const 8192) (global.get $extracts)) (return (i32.const 1))))
    (block $b9 (block $b8 (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 (local.get $id))
      ) ;; 0 ok
      (call $str (i32.const 8192) (i32.const 4000) (i32.const 2))
      (return (i32.const 1)))
      ;; 1 trap
      unreachable)
      ;; 2 spin
      (loop $forever (br $forever))
      (return (i32.const 0)))
      ;; 3 oom
      (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
      unreachable)
      ;; 4 badptr
      (call $str (i32.const 8192) (i32.const -16) (i32.const 100))
      (return (i32.const 1)))
      ;; 5 list: "a" and "ccc" NUL-terminated in the scratch text "a\00ccc\00", "bb" not
      (i32.store (i32.const 4100) (i32.const 0x63630061))
      (i32.store16 (i32.const 4104) (i32.const 0x0063))
      (call $str (i32.const 8192) (i32.const 4100) (i32.const 1))
      (call $str (i32.const 8200) (i32.const 4003) (i32.const 2))
      (call $str (i32.const 8208) (i32.const 4102) (i32.const 3))
      (return (i32.const 3)))
      ;; 6 abort
      (call $abort (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 9))
      (return (i32.const 0)))
      ;; 7 swap.size = 42
      (i64.store (i32.const 8192) (i64.const 42))
      (return (i32.const 1)))
      ;; 8 parses
      (i64.store (i32.const 8192) (global.get $parses))
      (return (i32.const 1)))
    ;; 9 flag, or an unknown id
    (if (i32.eq (local.get $id) (i32.const 9))
      (then (i32.store (i32.const 8192) (i32.const 1)) (return (i32.const 1))))
    (i32.const -11))
  ;; dkr_parse_extract (ABI v2): the request table at 331776 (32 x 12 bytes, then the argument
  ;; area), the answer table at 348672, each answer's values (at most 8) at 349184 + 64 i.
  (func (export "dkr_requests") (result i32) (i32.const 331776))
  (func (export "dkr_answers") (result i32) (i32.const 348672))
  (func (export "dkr_parse_extract") (param $n i32) (param $count i32) (result i32)
    (local $r i32) (local $i i32) (local $q i32) (local $al i32) (local $k i32) (local $id i32)
    (local.set $r (call $parse (local.get $n)))
    (if (i32.lt_s (local.get $r) (i32.const 0)) (then (return (local.get $r))))
    (if (i32.gt_u (local.get $count) (i32.const 32)) (then (local.set $count (i32.const 32))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $q (i32.add (i32.const 331776) (i32.mul (local.get $i) (i32.const 12))))
        (local.set $id (i32.load (local.get $q)))
        (local.set $al (i32.load offset=4 (local.get $q)))
        (if (i32.gt_s (local.get $al) (i32.const 4096)) (then (local.set $al (i32.const 4096))))
        (if (i32.gt_s (local.get $al) (i32.const 0))
          (then (memory.copy (i32.const 16384)
                  (i32.add (i32.const 332160) (i32.and (i32.load offset=8 (local.get $q)) (i32.const 8191)))
                  (local.get $al))))
        (local.set $k (call $extract (local.get $id) (local.get $al)))
        (if (i32.eq (local.get $id) (i32.const 5)) (then (local.set $k (i32.const -13))))
        (i32.store (i32.add (i32.const 348672) (i32.mul (local.get $i) (i32.const 8))) (local.get $k))
        (memory.copy (i32.add (i32.const 349184) (i32.mul (local.get $i) (i32.const 64))) (i32.const 8192) (i32.const 64))
        (i32.store offset=4 (i32.add (i32.const 348672) (i32.mul (local.get $i) (i32.const 8)))
          (i32.add (i32.const 349184) (i32.mul (local.get $i) (i32.const 64))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.const 0))
)
