"""The allocator settings of `hushpad`'s one restart (tui/launch.py), read back by tui.hardening.

A module of its own, importing nothing: the first process only re-executes itself, so every
module it loads is paid for again by the second (tui.hardening's dataclasses was ~7 ms)."""

MARK = "HUSHPAD_HEAP_SCRUB"  # set in the restarted process
PERTURB_BYTE = "165"  # 0xA5: freed memory reads as 0xA5 bytes, fresh malloc memory as 0x5A
TCACHE_OFF = "glibc.malloc.tcache_count=0"
