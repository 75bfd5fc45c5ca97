#!/usr/bin/env python3
"""Ring test vectors, written straight from contracts/ring.md (independent of any producer code).

For each vector NAME it writes:
  NAME.bin   the whole ring file: header_size (4352) bytes of header + resume area, then `capacity` data bytes
  NAME.json  {
    "description": text,
    "capacity": data bytes,
    "initial": {"write_pos", "read_pos"}   positions already in the header before the ops
                                           (both sides' cursors start there; counters start at 0)
    "ops": [ {"op":"publish","kind","ts","payload"[, "original"][, "endpoint"]}    a producer publishes one
                                           record (one batch); with "endpoint" (live daemon) it also updates
                                           that endpoint's resume entry
           | {"op":"consume","count"} ]     a consumer reads `count` records and stores read_pos right after
                                           the last one (a wrap marker in front of a record is skipped with it)
    "records": [{"kind","ts","payload"}]    what a consumer reading the image finds between read_pos and write_pos
    "final": {header fields after the ops}
    "resume": [{"endpoint","key","index","last_ts","last_hash","seq","before","anchor"}]   the resume entries after the ops
                                           ("before": prev1..3, the hashes before last_hash, newest first)
    "lookups": [{"endpoint","since","skip_hash"}]   where a restarted collector resumes each endpoint
                                           ("skip_hash" null: nothing to skip; "since" "0": no resume point)
  }
  NAME.corrupt-REASON.bin / .json  a ring a consumer must reject ("corrupt ring"), with "reason",
      "capacity" (what the consumer created) and "valid_before" (records that precede the defect; a
      consumer may deliver them or fail at once).
u64 values (ts, positions, counters, hashes) are decimal strings in JSON; payloads are UTF-8 text.
"original", when present, is the event before the "falco" key was appended: last_hash is computed over it.

Run: python3 tests/vectors/ring/make_vectors.py   (rewrites the files next to this script)
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

MAGIC = 0x31474E4952524B44
VERSION = 2
HEADER_SIZE = 256 + 64 * 64  # header + resume area
RESUME_AT = 256
RESUME_ENTRIES = 64
ENTRY_SIZE = 64
WRAP = 0xFFFFFFFF
U64 = (1 << 64) - 1

OFF = {
    "magic": 0, "capacity": 16, "flags": 24, "write_pos": 64, "events_written": 72, "events_dropped": 80,
    "oversize_dropped": 88, "reconnects": 96, "queue_depth": 104, "last_ts": 112, "last_hash": 120,
    "read_pos": 128, "events_read": 136, "consumer_waiting": 144, "connected": 192, "inspect_failures": 200, "parse_errors": 208,
    "heartbeat_ns": 216, "source_read": 224, "source_total": 232, "finished": 240,
}


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & U64
    return h


def endpoint_key(endpoint: str) -> int:
    k = fnv1a64(endpoint.encode("utf-8"))
    return k if k != 0 else 1


def pad8(n: int) -> int:
    return (n + 7) // 8 * 8


def rec_size(n: int) -> int:
    return 16 + pad8(n)


class Ring:
    def __init__(self, capacity: int, write_pos: int = 0, read_pos: int = 0):
        assert capacity & (capacity - 1) == 0 and 65536 <= capacity <= 1 << 30
        self.cap = capacity
        self.buf = bytearray(HEADER_SIZE + capacity)
        struct.pack_into("<QIIQQ", self.buf, 0, MAGIC, VERSION, HEADER_SIZE, capacity, 0)
        self.set("write_pos", write_pos)
        self.set("read_pos", read_pos)
        self.wakes = []  # publications made while the consumer waited: each must wake it

    def get(self, name: str) -> int:
        return struct.unpack_from("<Q", self.buf, OFF[name])[0]

    def set(self, name: str, v: int) -> None:
        struct.pack_into("<Q", self.buf, OFF[name], v & U64)

    def entry_get(self, i: int, field: int) -> int:
        return struct.unpack_from("<Q", self.buf, RESUME_AT + ENTRY_SIZE * i + field)[0]

    def entry_set(self, i: int, field: int, v: int) -> None:
        struct.pack_into("<Q", self.buf, RESUME_AT + ENTRY_SIZE * i + field, v & U64)

    def find_entry(self, key: int) -> int | None:
        for i in range(RESUME_ENTRIES):
            if self.entry_get(i, 0) == key:
                return i
        return None

    # producer, after write_pos and the header's last_ts/last_hash: seqlock update of the entry;
    # it keeps last_hash and the three hashes before it (prev1..3), anchored to last_hash
    def update_entry(self, endpoint: str, ts: int, h: int) -> None:
        key = endpoint_key(endpoint)
        i = self.find_entry(key)
        claim = i is None
        if claim:
            i = self.find_entry(0)
            if i is None:
                return  # area full: this endpoint uses the global values
        older = [] if claim else [self.entry_get(i, 16)] + [self.entry_get(i, f) for f in (32, 40, 48)]
        recent = ([h] + [x for x in older if x != 0])[:4] + [0, 0, 0]
        self.entry_set(i, 24, self.entry_get(i, 24) + 1)
        if claim:
            self.entry_set(i, 0, key)
        self.entry_set(i, 8, ts)
        self.entry_set(i, 16, h)
        for f, v in zip((32, 40, 48), recent[1:4]):
            self.entry_set(i, f, v)
        self.entry_set(i, 56, h)
        self.entry_set(i, 24, self.entry_get(i, 24) + 1)

    # a restarted collector: (since, hash to skip or None)
    def lookup(self, endpoint: str):
        i = self.find_entry(endpoint_key(endpoint))
        if i is not None and self.entry_get(i, 8) != 0:
            if self.entry_get(i, 24) % 2 == 0:
                return self.entry_get(i, 8), self.entry_get(i, 16)
            return self.entry_get(i, 8), None
        if self.get("last_ts") != 0:
            return self.get("last_ts"), self.get("last_hash")
        return 0, None

    def max_payload(self) -> int:
        return min(self.cap // 4, 16 * 1024 * 1024) - 16

    # producer: record bytes (and wrap marker) first, then write_pos
    def publish(self, kind: int, ts: int, payload: bytes, original: bytes | None = None, endpoint: str | None = None) -> None:
        n = len(payload)
        assert n <= self.max_payload()
        wp, rp = self.get("write_pos"), self.get("read_pos")
        off = wp % self.cap
        size = rec_size(n)
        skip = self.cap - off if self.cap - off < size else 0
        assert skip + size <= self.cap - (wp - rp), "ring full"
        if skip:
            struct.pack_into("<I", self.buf, HEADER_SIZE + off, WRAP)  # the 4-byte length only
            off = 0
        at = HEADER_SIZE + off
        struct.pack_into("<IIQ", self.buf, at, n, kind, ts)
        self.buf[at + 16:at + 16 + n] = payload
        self.buf[at + 16 + n:at + size] = bytes(size - 16 - n)
        self.set("write_pos", wp + skip + size)
        if self.get("consumer_waiting") != 0:
            self.wakes.append(self.get("events_written"))
        self.set("events_written", self.get("events_written") + 1)
        if kind == 1:
            h = fnv1a64(original if original is not None else payload)
            self.set("last_ts", ts)
            self.set("last_hash", h)
            if endpoint is not None:
                self.update_entry(endpoint, ts, h)

    # consumer: walk records from read_pos
    def records(self, limit: int | None = None):
        out = []
        rp, wp = self.get("read_pos"), self.get("write_pos")
        while rp < wp and (limit is None or len(out) < limit):
            off = rp % self.cap
            (n,) = struct.unpack_from("<I", self.buf, HEADER_SIZE + off)
            if n == WRAP:
                rp += self.cap - off
                continue
            _, kind, ts = struct.unpack_from("<IIQ", self.buf, HEADER_SIZE + off)
            payload = bytes(self.buf[HEADER_SIZE + off + 16:HEADER_SIZE + off + 16 + n])
            out.append({"kind": kind, "ts": str(ts), "payload": payload.decode("utf-8")})
            rp += rec_size(n)
        return out, rp

    def consume(self, count: int) -> None:
        got, rp = self.records(count)
        assert len(got) == count
        self.set("read_pos", rp)
        self.set("events_read", self.get("events_read") + count)


def with_falco(original: str, falco: dict) -> str:
    assert original.endswith("}")
    return original[:-1] + ',"falco":' + json.dumps(falco, separators=(",", ":")) + "}"


def event(action: str, ts: int, cid: str, extra_attrs: str = "") -> str:
    return ('{"status":"%s","id":"%s","from":"dkr-busybox","Type":"container","Action":"%s",'
            '"Actor":{"ID":"%s","Attributes":{%s"image":"dkr-busybox","name":"t1"}},'
            '"scope":"local","time":%d,"timeNano":%d}') % (action, cid, action, cid, extra_attrs, ts // 10**9, ts)


def collector(action: str, ts: int, attrs: str) -> str:
    return ('{"Type":"collector","Action":"%s","Actor":{"ID":"unix:///var/run/docker.sock","Attributes":'
            '{"endpoint":"unix:///var/run/docker.sock"%s}},"scope":"local","time":%d,"timeNano":%d}') % (action, attrs, ts // 10**9, ts)


def padded(prefix: str, n: int) -> str:
    """A JSON object of exactly n UTF-8 bytes."""
    base = '{"%s":""}' % prefix
    assert n >= len(base)
    return '{"%s":"%s"}' % (prefix, "x" * (n - len(base)))


CID = "e3ce0df869878cbe1f3cfe277e918ddb4c26b76b81cd2afe54a235544b2ad5ea"
T0 = 1795786267080044534  # above 2^53: a double cannot hold it


def build(name: str, description: str, capacity: int, ops: list, write_pos: int = 0, read_pos: int = 0,
          lookups: tuple = ()):
    ring = Ring(capacity, write_pos, read_pos)
    json_ops = []
    for op in ops:
        if op[0] == "publish":
            _, kind, ts, payload, original, endpoint = (op + (None, None))[:6]
            ring.publish(kind, ts, payload.encode(), original.encode() if original is not None else None, endpoint)
            j = {"op": "publish", "kind": kind, "ts": str(ts), "payload": payload}
            if original is not None:
                j["original"] = original
            if endpoint is not None:
                j["endpoint"] = endpoint
            json_ops.append(j)
        elif op[0] == "consume":
            ring.consume(op[1])
            json_ops.append({"op": "consume", "count": op[1]})
        else:  # the consumer starts ("wait") or stops ("woke") waiting for records
            ring.set("consumer_waiting", 1 if op[0] == "wait" else 0)
            json_ops.append({"op": op[0]})
    records, _ = ring.records()
    final = {k: str(ring.get(k)) for k in ("write_pos", "read_pos", "events_written", "events_read", "last_ts", "last_hash")}
    resume = []
    for i in range(RESUME_ENTRIES):
        key = ring.entry_get(i, 0)
        if key != 0:
            ep = next(o["endpoint"] for o in json_ops if o.get("endpoint") is not None and endpoint_key(o["endpoint"]) == key)
            resume.append({"endpoint": ep, "key": str(key), "index": i, "last_ts": str(ring.entry_get(i, 8)),
                           "last_hash": str(ring.entry_get(i, 16)), "seq": str(ring.entry_get(i, 24)),
                           "before": [str(ring.entry_get(i, f)) for f in (32, 40, 48) if ring.entry_get(i, f) != 0],
                           "anchor": str(ring.entry_get(i, 56))})
    looked = []
    for ep in lookups:
        since, skip = ring.lookup(ep)
        looked.append({"endpoint": ep, "since": str(since), "skip_hash": None if skip is None else str(skip)})
    doc = {"description": description, "capacity": capacity,
           "initial": {"write_pos": str(write_pos), "read_pos": str(read_pos)},
           "ops": json_ops, "records": records, "final": final, "resume": resume, "lookups": looked}
    if any(o["op"] in ("wait", "woke") for o in json_ops):
        final["consumer_waiting"] = str(ring.get("consumer_waiting"))
        doc["wakes"] = ring.wakes  # the publish ops (0-based, counting publishes) that must wake the consumer
    with open(os.path.join(HERE, name + ".bin"), "wb") as f:
        f.write(ring.buf)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return ring, records


def corrupt(base: Ring, name: str, reason: str, valid_before: int, mutate) -> None:
    ring = Ring(base.cap)
    ring.buf[:] = base.buf
    mutate(ring)
    with open(os.path.join(HERE, name + ".bin"), "wb") as f:
        f.write(ring.buf)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump({"reason": reason, "capacity": base.cap, "valid_before": valid_before}, f, indent=1)
        f.write("\n")


def main() -> None:
    for f in os.listdir(HERE):
        if f.endswith(".bin") or (f.endswith(".json") and f != "package.json"):
            os.remove(os.path.join(HERE, f))
    cap = 65536

    create = event("create", T0, CID)
    create_falco = with_falco(create, {"endpoint": "unix:///var/run/docker.sock",
                                       "container": {"privileged": True, "capAdd": ["SYS_ADMIN"], "user": "", "networkMode": "host",
                                                     "pidMode": "host", "ipcMode": "private", "imageId": "sha256:0123", "readonlyRootfs": False,
                                                     "mounts": [{"type": "bind", "source": "/var/run/docker.sock", "destination": "/var/run/docker.sock", "mode": "", "rw": True}]}})
    basic, _ = build("basic", "records of several sizes (padding 0..7), both kinds, UTF-8, ts above 2^53 and at 2^64-1, a falco key", cap, [
        ("publish", 2, T0 - 1000, collector("connect", T0 - 1000, ',"apiVersion":"1.41"')),
        ("publish", 1, T0, create_falco, create),
        ("publish", 1, T0 + 1, event("start", T0 + 1, CID)),
        ("publish", 1, T0 + 2, padded("n", 24)),   # multiple of 8: no padding
        ("publish", 1, T0 + 3, padded("n", 25)),   # 7 bytes of padding
        ("publish", 1, T0 + 4, padded("n", 31)),   # 1 byte of padding
        ("publish", 1, T0 + 5, '{"Type":"container","Action":"rename","Actor":{"ID":"x","Attributes":{"name":"caf\u00e9-\u96ea-\U0001F433"}}}'),
        ("publish", 1, U64, '{"timeNano":18446744073709551615}'),
        ("publish", 2, T0 + 6, collector("disconnect", T0 + 6, ',"reason":"connect ECONNREFUSED"')),
    ])

    build("consumed", "a consumer has read the first two records; the rest remain", cap, [
        ("publish", 1, T0, create),
        ("publish", 1, T0 + 10, event("start", T0 + 10, CID)),
        ("publish", 1, T0 + 20, event("die", T0 + 20, CID, '"exitCode":"3",')),
        ("consume", 2),
        ("publish", 1, T0 + 30, event("destroy", T0 + 30, CID)),
    ])

    # positions far beyond the capacity and above 2^32; the first record fills the data area exactly
    start = (1 << 33) - 64
    wrap, _ = build("wraparound", "positions above 2^32; a record ends exactly at the end of the data area, the next starts at 0 (no marker)", cap, [
        ("publish", 1, T0, padded("a", 48)),         # 64 bytes: offset 65472..65536
        ("publish", 1, T0 + 1, padded("b", 40)),     # at offset 0
        ("publish", 2, T0 + 2, collector("reconnect", T0 + 2, ',"gapNs":"1500000000"')),
    ], write_pos=start, read_pos=start)

    start = 2 * cap - 40
    build("wrapmarker", "40 bytes remain at the end: wrap marker at 65496, the record at 0; a consumer read one record, one remains", cap, [
        ("publish", 1, T0, event("start", T0, CID)),   # record of 400+ bytes: marker at 65496, record at 0
        ("publish", 1, T0 + 1, padded("a", 32)),
        ("consume", 1),
    ], write_pos=start, read_pos=start)
    start = 3 * cap - 8
    build("wrapmarker8", "exactly 8 bytes remain at the end: the wrap marker takes them", cap, [
        ("publish", 1, T0, padded("c", 100)),
        ("publish", 2, T0 + 1, collector("drop", T0 + 1, ',"dropped":"12","reason":"ring and queue full"')),
    ], write_pos=start, read_pos=start)

    # two daemons whose clocks are 30 s apart, and a third one: each resumes from its own entry
    ep_a, ep_b, ep_c = "unix:///var/run/docker.sock", "tcp://10.0.0.2:2376", "unix:///run/user/1000/docker.sock"
    skew = 30 * 10**9
    resume_ops = [("publish", 2, T0 - 5, collector("connect", T0 - 5, ',"apiVersion":"1.41"'))]
    for i in range(3):
        resume_ops.append(("publish", 1, T0 + i, with_falco(event("start", T0 + i, CID), {"endpoint": ep_a}), event("start", T0 + i, CID), ep_a))
        resume_ops.append(("publish", 1, T0 + skew + i, with_falco(event("die", T0 + skew + i, CID), {"endpoint": ep_b}), event("die", T0 + skew + i, CID), ep_b))
    resume_ops.append(("publish", 1, T0 + 3, with_falco(event("stop", T0 + 3, CID), {"endpoint": ep_a}), event("stop", T0 + 3, CID), ep_a))
    resume_ops.append(("publish", 2, T0 + 4, collector("disconnect", T0 + 4, ',"reason":"EOF"')))
    resume_ops.append(("publish", 1, T0 + skew - 7, with_falco(event("kill", T0 + skew - 7, CID), {"endpoint": ep_c}), event("kill", T0 + skew - 7, CID), ep_c))
    resume_ops.append(("publish", 1, T0 + 2 * skew, event("destroy", T0 + 2 * skew, CID)))  # no endpoint: a replayed line
    build("resume", "three daemons with skewed clocks publish interleaved: per-endpoint resume entries (seqlock even), the global last_ts is the last record's; an unknown endpoint falls back to the global values",
          cap, resume_ops, lookups=(ep_a, ep_b, ep_c, "tcp://unknown:2375"))

    build("wake", "the consumer waits (consumer_waiting = 1): the publications made meanwhile wake it, the others do not", cap, [
        ("publish", 1, T0, create),
        ("wait",),
        ("publish", 1, T0 + 10, event("start", T0 + 10, CID)),
        ("woke",),
        ("consume", 2),
        ("publish", 1, T0 + 20, event("die", T0 + 20, CID, '"exitCode":"3",')),
        ("wait",),
        ("publish", 1, T0 + 30, event("destroy", T0 + 30, CID)),
        ("publish", 2, T0 + 40, collector("disconnect", T0 + 40, ',"reason":"EOF"')),
    ])

    big = 16384 - 16  # max_payload for 64 KiB
    build("full", "four records of max_payload fill the data area exactly: write_pos - read_pos == capacity", cap, [
        ("publish", 1, T0 + i, padded("p%d" % i, big)) for i in range(4)
    ])

    # corrupt rings, each from a valid one
    def put32(r: Ring, at: int, v: int) -> None:
        struct.pack_into("<I", r.buf, at, v)

    corrupt(basic, "basic.corrupt-magic", "magic is not DKRRING1", 0, lambda r: r.set("magic", 0x31474E4952524B45))
    corrupt(basic, "basic.corrupt-version", "version 1 (no resume area)", 0, lambda r: put32(r, 8, 1))
    corrupt(basic, "basic.corrupt-header-size", "header_size 256 (the version 1 layout)", 0, lambda r: put32(r, 12, 256))
    corrupt(basic, "basic.corrupt-capacity", "header capacity 131072, the consumer created 65536", 0, lambda r: r.set("capacity", 131072))
    corrupt(basic, "basic.corrupt-positions", "write_pos - read_pos > capacity", 0,
            lambda r: (r.set("write_pos", r.get("read_pos") + cap + 8)))
    # the second record's length made to run past write_pos (but inside the data area)
    first = rec_size(len(collector("connect", T0 - 1000, ',"apiVersion":"1.41"').encode()))
    corrupt(basic, "basic.corrupt-past-write-pos", "a record runs past write_pos", 1,
            lambda r: put32(r, HEADER_SIZE + first, r.get("write_pos") - first))
    corrupt(basic, "basic.corrupt-kind", "record kind 3", 1, lambda r: put32(r, HEADER_SIZE + first + 4, 3))
    # in the wraparound image, the record at 65472 claims more than the 64 bytes left
    corrupt(wrap, "wraparound.corrupt-past-end", "a record runs past the end of the data area", 0,
            lambda r: put32(r, HEADER_SIZE + cap - 64, 100))
    # a wrap marker where the record at 0 would have fit: marker at 65472 (64 bytes left), record of 48 bytes at 0
    def marker_fits(r: Ring) -> None:
        rp = 5 * cap - 64
        r.set("read_pos", rp)
        put32(r, HEADER_SIZE + cap - 64, WRAP)
        payload = padded("m", 32).encode()
        struct.pack_into("<IIQ", r.buf, HEADER_SIZE, len(payload), 1, T0)
        r.buf[HEADER_SIZE + 16:HEADER_SIZE + 48] = payload
        r.set("write_pos", rp + 64 + 48)
    corrupt(basic, "basic.corrupt-marker-would-fit", "a wrap marker where the record would have fit", 0, marker_fits)


if __name__ == "__main__":
    main()
