"""Crash harness: kill -9 `hushpad jot` at random moments and count what comes back.

Each round adds a fresh client, opens `hushpad jot CODE` in a private tmux pane, types a
few shorthand lines at a steady rate, and SIGKILLs the process at a random moment: after
the last key (0–1 s later) or in the middle of typing. Then, with the real keys, it opens
both stores in this process, runs `PRAGMA integrity_check`, and compares the saved jotting
document with what was typed:

- the saved text must be a prefix of the typed text (nothing garbled, nothing reordered);
- lost = characters typed − characters saved;
- budget = characters typed in the last second before the kill (issue 3: at most the last
  second of typing may be lost).

Unless --no-restart, it then starts `hushpad jot CODE` again and checks that the saved text
is what the resumed scratchpad shows, and that ctrl+q exits 0.

It sets up its own Secret Service (gnome-keyring-daemon on a private D-Bus) and cleans up
after itself. Exit status 0 when every round is intact, prefix-consistent and within budget.

    .venv/bin/python benchmarks/crash_harness.py --rounds 20 [--seed N] [--cps 12]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as harness  # noqa: E402

WORDS = (
    "sleep work anxious sister visit avoidance worry panic mood flat tired calmer better worse "
    "homework diary breathing exposure values urge craving family partner school boss weekend "
    "denies plan thought feeling body tense tearful laughed paused stuck hopeful angry"
).split()
MARKERS = ["", "o ", "> ", "< ", "* ", "! ", "hw ", "? ", "~ ", "#"]
GUTTER_ROW = re.compile(r"^ {0,4}\d+' (.*)$")


@dataclass
class Round:
    number: int
    mode: str
    typed: int
    saved: int
    lost: int
    budget: int
    prefix_ok: bool
    integrity: str
    resumed: str

    @property
    def intact(self) -> bool:
        return self.integrity == "ok"

    @property
    def within(self) -> bool:
        return self.prefix_ok and self.lost <= self.budget


def make_lines(rng: random.Random) -> list[str]:
    lines = []
    for _ in range(rng.randint(3, 5)):
        marker = rng.choice(MARKERS)
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 6))]
        lines.append(marker + " ".join(words))
    return lines


def editor_text(screen: str) -> str:
    return "\n".join(m.group(1).rstrip() for m in map(GUTTER_ROW.match, screen.splitlines()) if m)


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def status_shown(code: str):
    pattern = re.compile(rf"{re.escape(code)}  ·  \d+ min  ·  (saved|unsaved)")
    return lambda screen: bool(pattern.search(screen))


def inspect(profile: Path, code: str) -> tuple[str, list[str]]:
    report = harness.inspect_profile(profile)  # in this process, with the real device key
    integrity = report["integrity"]
    verdict = "ok" if integrity == {"record": "ok", "vault": "ok"} else f"record: {integrity['record']}; vault: {integrity['vault']}"
    return verdict, harness.jottings_for(report, code)


def one_round(number: int, rng: random.Random, term: harness.Tmux, profile: Path, env: dict[str, str],
              cps: float, restart: bool) -> Round:
    code = f"R{number:03d}"
    added = harness.hushpad(["client", "add", code], env)
    if added.returncode != 0:
        raise RuntimeError(f"client add failed: {added.stderr.strip()}")
    pid = term.run([harness.hushpad_exe(), "jot", code], env={"HUSHPAD_HOME": str(profile)})
    term.wait_for(status_shown(code), timeout=30, what="the scratchpad")

    lines = make_lines(rng)
    total = len("\n".join(lines))
    log = harness.TypedLog()
    if rng.random() < 0.3:
        mode = "mid-typing"
        term.type_lines(lines, log, chunk=1, cps=cps, stop_after=rng.randint(total // 3, total - 1))
        delay = 0.0
    else:
        delay = rng.uniform(0.0, 1.0)
        mode = f"+{delay:.2f} s"
        term.type_lines(lines, log, chunk=1, cps=cps)
    # Sleep to the chosen moment after the last key (type_lines already paused one key's time).
    remaining = log.last_key + delay - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    killed_at = time.monotonic()
    term.kill9(pid)

    typed = log.text
    integrity, saved_lines = inspect(profile, code)
    saved = "\n".join(saved_lines)
    prefix_ok = typed.startswith(saved)
    typed_visible = typed.rstrip("\n")
    lost = max(0, len(typed_visible) - len(saved)) if prefix_ok else len(typed_visible)
    budget = len(typed) - log.sent_before(killed_at - 1.0)

    resumed = "-"
    if restart:
        pid = term.run([harness.hushpad_exe(), "jot", code], env={"HUSHPAD_HOME": str(profile)})
        try:
            term.wait_for(lambda s: status_shown(code)(s) and editor_text(s) == normalise(saved), timeout=30,
                          what="the resumed jottings")
            term.send_key("C-q")
            resumed = "ok" if term.wait_exit(timeout=30) == 0 else "bad exit"
        except harness.ScreenTimeout:
            resumed = "MISMATCH"
            if term.exit_status() is None:
                term.kill9(pid)
    return Round(number, mode, len(typed_visible), len(saved), lost, budget, prefix_ok, integrity, resumed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--cps", type=float, default=12.0,
                        help="typing rate, characters per second (default 12, a fast typist)")
    parser.add_argument("--no-restart", action="store_true", help="skip the resume check after each kill")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    missing = harness.missing_programs(harness.SECRET_SERVICE_PROGRAMS + harness.TMUX_PROGRAMS)
    if missing:
        print(f"crash harness: needs {', '.join(missing)} (apt-get install gnome-keyring dbus-x11 tmux)",
              file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    print(f"crash harness: seed {seed}, {args.rounds} rounds, typing at {args.cps:g} chars/s", flush=True)

    service = harness.SecretService(prefix="hushpad-crash-")
    term = None
    rounds: list[Round] = []
    try:
        service.start()
        env = dict(service.env)
        # This process opens the stores itself with the real keys, so it uses the same keyring.
        os.environ.update(env)
        profile = service.home / "profile"
        env["HUSHPAD_HOME"] = str(profile)
        init = harness.hushpad(["init", "--non-interactive"], env)
        if init.returncode != 0:
            print(f"crash harness: init failed: {init.stderr.strip()}", file=sys.stderr)
            return 2
        term = harness.Tmux(env).start()
        header = f"{'round':>5}  {'kill':>10}  {'typed':>5}  {'saved':>5}  {'lost':>4}  {'budget':>6}  {'prefix':>6}  {'integrity':>9}  {'resume':>6}"
        print(header)
        print("-" * len(header), flush=True)
        for number in range(1, args.rounds + 1):
            r = one_round(number, rng, term, profile, env, args.cps, not args.no_restart)
            rounds.append(r)
            print(f"{r.number:>5}  {r.mode:>10}  {r.typed:>5}  {r.saved:>5}  {r.lost:>4}  {r.budget:>6}  "
                  f"{'ok' if r.prefix_ok else 'BAD':>6}  {r.integrity:>9}  {r.resumed:>6}", flush=True)
    finally:
        if term is not None:
            term.close()
        service.close()

    max_lost = max(r.lost for r in rounds)
    intact = sum(r.intact for r in rounds)
    within = sum(r.within for r in rounds)
    resumed_ok = all(r.resumed in ("ok", "-") for r in rounds)
    print("-" * 40)
    print(f"lost chars per round: {[r.lost for r in rounds]}")
    print(f"mean lost {sum(r.lost for r in rounds) / len(rounds):.1f} chars; typing rate {args.cps:g} chars/s")
    print(f"crash harness: {len(rounds)} rounds, max lost {max_lost} chars ({max_lost / args.cps:.2f} s of typing), "
          f"integrity ok {intact}/{len(rounds)}, within the last second {within}/{len(rounds)}")
    ok = intact == len(rounds) and within == len(rounds) and resumed_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
