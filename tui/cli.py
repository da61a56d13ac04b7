"""The `hushpad` command. Failures are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import Config, ConfigError, default_profile_dir, load_config, write_example_config
from .errors import HushpadError

if TYPE_CHECKING:
    from .services.workspace import Workspace
    from .storage.keyring_access import KeyStore
    from .storage.profile import OpenProfile

EXIT_FAILURE = 1
EXIT_UNEXPECTED = 70


class CliError(HushpadError):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hushpad",
        description="Quiet, encrypted session jottings and signed progress notes.",
    )
    parser.add_argument("--version", action="version", version=f"hushpad {__version__}")
    parser.add_argument("--profile", metavar="DIR", help="use this profile folder (default: $HUSHPAD_HOME or the user data dir)")
    parser.add_argument("--demo", action="store_true", help="run on a throw-away profile with fictional clients")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help="set up a new profile (keys, stores, recovery code)")
    init.add_argument("--passphrase", action="store_true", help="protect the keys with a passphrase instead of the keyring")
    init.add_argument("--non-interactive", action="store_true",
                      help="print the recovery code once on stdout and skip the confirmation")

    sub.add_parser("doctor", help="check the keyring, file modes and both stores")

    backup = sub.add_parser("backup", help="write encrypted copies of both stores and keys.json to DIR")
    backup.add_argument("dir", metavar="DIR")

    client = sub.add_parser("client", help="manage clients")
    client_sub = client.add_subparsers(dest="client_command", metavar="ACTION", required=True)
    add = client_sub.add_parser(
        "add", help="add a client",
        description="Add a client. Without --name, --dob or --goal, Hushpad asks for them on the terminal, "
                    "or reads them from standard input (the name on the first line, the date of birth on the "
                    "second, then one goal per line), so they never reach the process list or your shell history.",
        epilog="The flags are for scripts, and they expose what you give them: while the command runs, every "
               "user of this computer can read its command line (ps, /proc/PID/cmdline), and your shell keeps it "
               "in its history file. The client CODE is always on the command line: use a code, never a name.")
    add.add_argument("code", metavar="CODE", help="the client's code (visible in the process list)")
    add.add_argument("--name", default=None, metavar="NAME",
                     help="display name; '-' reads it from standard input. Visible to other users, kept in history")
    add.add_argument("--dob", default=None, metavar="YYYY-MM-DD",
                     help="date of birth; '-' reads it from standard input. Visible to other users, kept in history")
    add.add_argument("--goal", action="append", default=[], metavar="GOAL",
                     help="a treatment-plan goal (repeatable); '-' reads goals, one per line, from standard input. "
                          "Visible to other users, kept in history")

    keys = sub.add_parser("keys", help="rotate or recover keys")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    rotate = keys_sub.add_parser("rotate", help="re-wrap the data keys under a new device key")
    rotate.add_argument("--new-recovery-code", action="store_true", help="also replace the recovery code (printed once)")
    rotate.add_argument("--passphrase", action="store_true", help="set or change the passphrase too")
    recover = keys_sub.add_parser("recover", help="restore access from the recovery code alone")
    recover.add_argument("--passphrase", action="store_true", help="use a passphrase instead of this machine's keyring")
    show = keys_sub.add_parser("show", help="show your signing key's fingerprint (and --pem: the public keys to share)")
    show.add_argument("--pem", action="store_true", help="print the public keys as PEM (give this to an associate)")

    export = sub.add_parser("export", help="export a signed note, or a client's record")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    note = export_sub.add_parser("note", help="a signed progress note with its addenda")
    note.add_argument("note_id", metavar="ID", type=int)
    note.add_argument("--format", choices=("txt", "md", "json", "pdf", "fhir"), default="txt",
                      help="json carries the signed payload and signature, for `hushpad verify` and openssl; "
                           "pdf is print-ready (give -o FILE); fhir is an R4 transaction Bundle for an EHR")
    note.add_argument("--include-identity", action="store_true",
                      help="fhir: put the client's name and date of birth in the Patient (normally the code only)")
    note.add_argument("--output", "-o", metavar="FILE", help="write here (mode 0600) instead of standard output")

    client_export = export_sub.add_parser("client", help="a client's clinical record, for a records request")
    client_export.add_argument("code", metavar="CODE")
    client_export.add_argument("--format", choices=("md", "json", "pdf", "fhir"), default="md",
                               help="pdf: cover, index, every signed note with its signature block, measures "
                                    "(give -o FILE); fhir: an R4 transaction Bundle to POST to the EHR's FHIR server")
    client_export.add_argument("--include-identity", action="store_true",
                               help="fhir: put the client's name and date of birth in the Patient (normally the code only)")
    client_export.add_argument("--include-private", action="store_true",
                               help="also include the private psychotherapy notes (normally withheld)")
    client_export.add_argument("--output", "-o", metavar="FILE", help="write here (mode 0600) instead of standard output")

    superbill = export_sub.add_parser("superbill", help="a superbill for a date range: the client's signed sessions "
                                      "with CPT codes, place of service, diagnoses and fees, for reimbursement")
    superbill.add_argument("code", metavar="CODE")
    superbill.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="the first day of service")
    superbill.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD", help="the last day of service")
    superbill.add_argument("--format", choices=("pdf", "txt"), default="pdf", help="pdf (give -o FILE) or plain text")
    superbill.add_argument("--output", "-o", metavar="FILE", help="write here (mode 0600) instead of standard output")

    review_export = export_sub.add_parser("review", help="a signed note, encrypted to a supervisor, for co-signature")
    review_export.add_argument("note_id", metavar="NOTE", type=int)
    review_export.add_argument("--to", required=True, metavar="SUPERVISOR", help="a supervisor registered with "
                               "`hushpad supervisor add`")
    review_export.add_argument("--output", "-o", required=True, metavar="FILE", help="the review file to send")

    verify = sub.add_parser("verify", help="check an exported note or records request offline against its signatures")
    verify.add_argument("file", metavar="FILE", help="a JSON export (`export note ID --format json`, "
                        "`export client CODE --format json`)")
    verify.add_argument("--key", metavar="PEM", help="the clinician's public key; any other signer fails")
    verify.add_argument("--extract", metavar="DIR", help="also write each payload, raw signature and the public key "
                        "there, for `openssl pkeyutl -verify` (see README)")

    supervisor = sub.add_parser("supervisor", help="register the supervisor who co-signs your notes")
    supervisor_sub = supervisor.add_subparsers(dest="supervisor_command", metavar="ACTION", required=True)
    sup_add = supervisor_sub.add_parser("add", help="register a supervisor's public key")
    sup_add.add_argument("name", metavar="NAME")
    sup_add.add_argument("--key", required=True, metavar="FILE.pem", help="their `hushpad keys show --pem` output")
    supervisor_sub.add_parser("list", help="registered supervisors and notes awaiting co-signature")

    review = sub.add_parser("review", help="co-sign a note sent for review (`review FILE`), or take in the answer "
                            "(`review import FILE`)")
    review.add_argument("words", nargs="+", metavar="[import] FILE")
    review.add_argument("--cosign", action="store_true", help="countersign without asking")
    review.add_argument("--return", dest="return_comment", metavar="COMMENT", help="return it with this comment")
    review.add_argument("--output", "-o", metavar="FILE", help="where to write the response file")

    jot = sub.add_parser("jot", help="open the scratchpad for a client's session")
    jot.add_argument("code", metavar="CODE")

    sub.add_parser("paths", help="print where the settings file, the data folder and the profile are")
    completion = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL", help="bash, zsh or fish")
    _add_examples(parser)
    return parser


# Every command's help ends with an example (tests/unit/storage/test_cli_help.py walks them all).
EXAMPLES: dict[str, str] = {
    "hushpad": "hushpad init                      # once: keys, stores, recovery code\n"
               "hushpad                           # the clients screen\n"
               "hushpad jot RB-07                 # straight into a session for client RB-07\n"
               "hushpad export note 12 -o note-12.txt",
    "hushpad init": "hushpad init                      # keys in this computer's keyring\n"
                    "hushpad init --passphrase         # no keyring: a passphrase instead",
    "hushpad doctor": "hushpad doctor",
    "hushpad backup": "hushpad backup /media/usb/hushpad-backup",
    "hushpad client": "hushpad client add RB-07",
    "hushpad client add": "hushpad client add RB-07           # then asks for the name, date of birth and goals",
    "hushpad keys": "hushpad keys show",
    "hushpad keys rotate": "hushpad keys rotate --new-recovery-code",
    "hushpad keys recover": "hushpad keys recover              # asks for the recovery code",
    "hushpad keys show": "hushpad keys show --pem > my-hushpad-key.pem",
    "hushpad export": "hushpad export note 12 --format md -o note-12.md\n"
                      "hushpad export client RB-07 -o RB-07-record.md",
    "hushpad export note": "hushpad export note 12 -o ~/Documents/RB-07-note-12.txt\n"
                           "# 12 is the note id: the chart's Note column, and the note view's title",
    "hushpad export client": "hushpad export client RB-07 --format json -o ~/Documents/RB-07-record.json",
    "hushpad export superbill": "hushpad export superbill RB-07 --from 2026-01-01 --to 2026-03-31 -o RB-07-Q1-superbill.pdf",
    "hushpad export review": "hushpad export review 12 --to \"Dr Lee\" -o note-12-review.json",
    "hushpad verify": "hushpad verify note-12.json --key clinician.pem",
    "hushpad supervisor": "hushpad supervisor list",
    "hushpad supervisor add": "hushpad supervisor add \"Dr Lee\" --key lee.pem",
    "hushpad supervisor list": "hushpad supervisor list",
    "hushpad review": "hushpad review note-12-review.json --cosign\n"
                      "hushpad review import note-12-review-response.json",
    "hushpad jot": "hushpad jot RB-07",
    "hushpad paths": "hushpad paths",
    "hushpad completion": "hushpad completion bash > ~/.local/share/bash-completion/completions/hushpad\n"
                          "hushpad completion zsh > ~/.zfunc/_hushpad     # with fpath+=(~/.zfunc) in ~/.zshrc\n"
                          "hushpad completion fish > ~/.config/fish/completions/hushpad.fish",
}


def subparsers_of(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parser and every subcommand's parser under it, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # an alias maps to the same parser
                yield from subparsers_of(child)


def _add_examples(parser: argparse.ArgumentParser) -> None:
    """Help text keeps the examples' line breaks (RawDescriptionHelpFormatter), so the
    prose around them is wrapped here instead."""
    import textwrap

    def fill(text: str) -> str:
        return "\n\n".join(textwrap.fill(part, 78) for part in text.split("\n\n"))

    for each in subparsers_of(parser):
        example = EXAMPLES.get(each.prog)
        if example is None:
            continue  # a test fails for a command without one
        each.formatter_class = argparse.RawDescriptionHelpFormatter
        if each.description:
            each.description = fill(each.description)
        lines = "\n".join(f"  {line}" for line in example.splitlines())
        label = "Examples" if len(example.splitlines()) > 1 else "Example"
        each.epilog = (fill(each.epilog) + "\n\n" if each.epilog else "") + f"{label}:\n{lines}"


# -- helpers ---------------------------------------------------------------
def _config(args: argparse.Namespace) -> Config:
    profile_dir = default_profile_dir(args.profile)
    config = load_config(profile_dir, explicit_profile=bool(args.profile))
    return config.with_overrides(debug=args.debug)


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise CliError(f"{prompt.strip(': ')} was expected on standard input.")
    return line.rstrip("\r\n")


def _new_passphrase() -> str:
    first = _read_secret("New passphrase: ")
    if sys.stdin.isatty() and _read_secret("Repeat it: ") != first:
        raise CliError("The two passphrases differ; nothing was changed.")
    return first


def _keystore(config: Config) -> "KeyStore":
    from .services.access import default_keystore

    return default_keystore(config)


READING_WHILE_OPEN = ("Hushpad is open on this profile, so this reads a snapshot of it and changes nothing there. "
                      "The export goes into the audit log when that Hushpad locks or quits.")


def _open(config: Config, *, reading: bool = False) -> "OpenProfile":
    """The profile unlocked. ``reading`` (exports): while another Hushpad holds the profile,
    open its stores read-only instead of refusing (storage.profile.open_for_reading)."""
    from .services import access
    from .storage.errors import ProfileInUseError

    passphrase = _read_secret("Passphrase: ") if access.passphrase_mode(config) else None
    keystore = None if passphrase is not None else _keystore(config)
    try:
        profile = access.unlock(config, keystore=keystore, passphrase=passphrase)
    except ProfileInUseError:
        if not reading:
            raise
        try:
            profile = access.open_for_reading(config, keystore, passphrase)
        except ProfileInUseError:  # the other Hushpad closed in between: the profile is free
            profile = access.unlock(config, keystore=keystore, passphrase=passphrase)
        else:
            print(f"hushpad: {READING_WHILE_OPEN}", file=sys.stderr)
    for warning in profile.permission_warnings:
        print(f"hushpad: warning: {warning}", file=sys.stderr)
    return profile


@contextlib.contextmanager
def _workspace(config: Config, *, reading: bool = False) -> Iterator["Workspace"]:
    from .services.workspace import Workspace

    profile = _open(config, reading=reading)
    for warning in profile.warnings:
        print(f"hushpad: warning: {warning}", file=sys.stderr)
    try:
        yield Workspace(profile, config)
    finally:
        profile.close()


# -- commands --------------------------------------------------------------
def cmd_init(config: Config, args: argparse.Namespace) -> int:
    from .services import access

    keystore = None
    passphrase = None
    if args.passphrase:
        passphrase = _new_passphrase()
    else:
        keystore = _keystore(config)
        status = access.keyring_status(keystore)
        if not status.usable:
            raise CliError(status.problem or "No usable keyring.")
    if config.paths.is_initialised():
        raise CliError(f"{config.profile_dir} already has a Hushpad profile; nothing was changed.")
    if not args.non_interactive and not sys.stdin.isatty():
        raise CliError("`hushpad init` needs a terminal to confirm the recovery code; use --non-interactive in scripts.")
    profile, code = access.initialise(config, keystore, passphrase)
    if write_example_config(config):
        # stderr: with --non-interactive, stdout carries the recovery code and nothing else.
        print(f"hushpad: settings written to {config.config_path}; put your name and credentials there "
              "(they go on every signed note).", file=sys.stderr)
    try:
        if args.non_interactive:
            print(code)
            return 0
        print("Your recovery code. Write it on paper and keep it somewhere safe, away from this computer.")
        print("It is the only way back in if this computer's keyring is lost. It is shown only now.\n")
        print(f"    {code}\n")
        from .storage.recovery_code import last_group, normalise

        for _ in range(3):
            typed = input("To confirm you have it, type its last group: ")
            if normalise(typed) == normalise(last_group(code)):
                print(f"Set up. Profile: {config.profile_dir}")
                return 0
            print("That does not match the last group. Check what you wrote down.")
        print("Not confirmed. The profile is set up, but make sure the code is written down correctly; "
              "`hushpad keys rotate --new-recovery-code` prints a new one.", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        profile.close()


def cmd_doctor(config: Config, args: argparse.Namespace) -> int:
    from .services.doctor import run_doctor

    report = run_doctor(config, _keystore(config), passphrase_reader=lambda: _read_secret("Passphrase: "))
    for line in report.lines:
        print(line)
    if report.ok:
        return 0
    problems = [line.split(":", 1)[0].removeprefix("FAIL").strip() for line in report.lines if line.startswith("FAIL")]
    print(f"hushpad: doctor found a problem with: {', '.join(problems)} (details above).", file=sys.stderr)
    return EXIT_FAILURE


def cmd_backup(config: Config, args: argparse.Namespace) -> int:
    target = Path(args.dir).expanduser().absolute()
    if target.resolve() == config.profile_dir.resolve():
        raise CliError("The backup folder must not be the profile folder.")
    with _workspace(config) as ws:
        written = ws.profile.backup(target, config.signer)
    for path in written:
        print(path)
    return 0


def _stdin_line() -> str | None:
    line = sys.stdin.readline()
    return None if not line else line.rstrip("\r\n")


def _client_details(args: argparse.Namespace) -> tuple[str, str, list[str]]:
    """Name, date of birth and goals: asked or read from stdin, so they stay out of argv.

    Flags still work (scripts), and '-' in one of them reads just that from stdin.
    """
    if args.name is None and args.dob is None and not args.goal:
        if sys.stdin.isatty():
            name = input("Name (shown only where you choose; Enter for none): ")
            dob = input("Date of birth (YYYY-MM-DD; Enter for none): ")
            goals = []
            while goal := input(f"Goal {len(goals) + 1} (Enter when done): "):
                goals.append(goal)
            return name, dob, goals
        lines = [line.rstrip("\r\n") for line in sys.stdin]
        return (lines[0] if lines else ""), (lines[1] if len(lines) > 1 else ""), lines[2:]
    name = (_stdin_line() or "") if args.name == "-" else (args.name or "")
    dob = (_stdin_line() or "") if args.dob == "-" else (args.dob or "")
    goals: list[str] = []
    for goal in args.goal:
        if goal == "-":
            goals.extend(line.rstrip("\r\n") for line in sys.stdin)
        else:
            goals.append(goal)
    return name, dob, goals


def cmd_client(config: Config, args: argparse.Namespace) -> int:
    with _workspace(config) as ws:
        name, dob, goals = _client_details(args)
        ws.add_client(args.code, name, dob, goals)
    print(f"Added client {args.code.strip()}.")
    from .domain.one_line import clean_line  # the same rule as the client form, said the same way

    for what, text in [("name", name), *((f"goal {n}", g) for n, g in enumerate(goals, 1))]:
        if note := clean_line(text).describe(what):
            print(f"hushpad: {note}", file=sys.stderr)
    return 0


def cmd_keys(config: Config, args: argparse.Namespace) -> int:
    from .services import access

    if args.keys_command == "recover":
        code = _read_secret("Recovery code: ")
        passphrase = _new_passphrase() if args.passphrase else None
        keystore = None
        if passphrase is None:
            keystore = _keystore(config)
            status = access.keyring_status(keystore)
            if not status.usable:
                raise CliError(status.problem)
        profile = access.recover(config, code, keystore, passphrase)
        profile.close()
        print("Access restored. This machine can open the profile again.")
        return 0
    if args.keys_command == "show":
        from .services.signing import Signatures
        from .storage.keys import signing_kinds

        with _workspace(config) as ws:
            signatures = Signatures(ws)
            if args.pem:
                sys.stdout.write(signatures.pem_bundle())
                return 0
            print(f"Signing key (Ed25519) fingerprint: {signatures.fingerprint()}")
            print(f"Public key: {signatures.pem_bundle().splitlines()[1]}")
            print(f"Wrapped for: {', '.join(sorted(signing_kinds(ws.profile.keyfile))) or 'none'}")
            print("Read the fingerprint aloud or print it for anyone who checks your notes; "
                  "`hushpad keys show --pem` gives the public keys to share.")
        return 0
    with _workspace(config) as ws:
        profile = ws.profile
        if "device" in profile.keyfile.kinds():
            profile.rotate_device_key(_keystore(config), config.signer)
            print("Device key rotated.")
        if args.passphrase:
            profile.set_passphrase(_new_passphrase(), config.signer)
            print("Passphrase set.")
        if args.new_recovery_code:
            code = profile.new_recovery_code(config.signer)
            print("New recovery code (the old one no longer works). Write it down now:")
            print(code)
    return 0


def _write_output(text: str | bytes, output: str | None) -> None:
    """Text, or a PDF's bytes, to ``output`` (atomically, mode 0600) or to standard output."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        return
    from .storage.files import atomic_write

    atomic_write(Path(output).expanduser().absolute(), data)
    print(f"Wrote {output}", file=sys.stderr)


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    from .services.fhir_export import FhirExport
    from .services.records_export import RecordsExport

    # A note or record export only reads: it runs while the app is open (a review file is recorded as sent).
    with _workspace(config, reading=args.export_command != "review") as ws:
        if args.export_command == "review":
            from .services.signing import Reviews

            data = Reviews(ws).export_review(args.note_id, args.to)
            _write_output(data.decode("utf-8"), args.output)
            print(f"Send {args.output} to {args.to}; it opens only in their Hushpad.", file=sys.stderr)
            return 0
        if args.export_command == "superbill":
            from .services.superbill import Superbill, superbill_pdf, superbill_text

            if args.format == "pdf" and args.output is None and sys.stdout.isatty():
                raise CliError("A PDF is binary: give -o FILE (or send standard output to a file).")
            bill = Superbill(ws).build(args.code, args.start, args.end)
            _write_output(superbill_pdf(bill) if args.format == "pdf" else superbill_text(bill), args.output)
            for reason in bill.left_off:
                print(f"hushpad: {reason}", file=sys.stderr)
            return EXIT_FAILURE if any("signature" in r for r in bill.left_off) else 0
        exporter = RecordsExport(ws)
        if args.include_identity and args.format != "fhir":
            raise CliError("--include-identity is for --format fhir (the other formats always carry name and birth date).")
        if args.format == "pdf" and args.output is None and sys.stdout.isatty():
            raise CliError("A PDF is binary: give -o FILE (or send standard output to a file).")
        text: str | bytes
        if args.format == "fhir":  # psychotherapy notes never, whatever the flag; refused when a signature fails
            if args.export_command == "client" and args.include_private:
                raise CliError("A FHIR export never carries psychotherapy notes: drop --include-private.")
            fhir = FhirExport(ws)
            text = (fhir.note(args.note_id, include_identity=args.include_identity) if args.export_command == "note"
                    else fhir.client(args.code, include_identity=args.include_identity))
        elif args.export_command == "note":
            text = exporter.note_pdf(args.note_id) if args.format == "pdf" else exporter.note(args.note_id, args.format)
        else:
            if args.include_private:
                print("hushpad: warning: including private psychotherapy notes. They are legally separate from "
                      "the clinical record and are normally not released.", file=sys.stderr)
            if args.format == "pdf":
                text = exporter.client_pdf(args.code, include_private=args.include_private)
            else:
                text = exporter.client(args.code, args.format, include_private=args.include_private)
    _write_output(text, args.output)
    if exporter.failures:
        for failure in exporter.failures:
            print(f"hushpad: SIGNATURE INVALID: {failure}", file=sys.stderr)
        print("hushpad: the export was written with a SIGNATURE INVALID banner; the record may have been altered.",
              file=sys.stderr)
        return EXIT_FAILURE
    return 0


def cmd_verify(config: Config | None, args: argparse.Namespace) -> int:
    """Offline: needs no profile, no keyring, no network."""
    import json

    from .domain import signature as sig
    from .services.signing import load_public_keys, verify_document

    path = Path(args.file).expanduser()
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CliError(f"{path} is not a JSON export. `hushpad verify` checks `--format json` exports.") from None
    trusted = None
    if args.key:
        try:
            ed, _ = load_public_keys(Path(args.key).expanduser().read_bytes())
        except OSError as exc:
            raise CliError(f"Cannot read {args.key}: {exc.strerror}.") from None
        trusted = {sig.fingerprint(ed)}
    ok, lines = verify_document(doc, trusted)
    for line in lines:
        print(line)
    if args.extract:
        _extract_signatures(doc, Path(args.extract).expanduser())
    if not ok:
        print("hushpad: SIGNATURE INVALID: this export does not match what was signed.", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _extract_signatures(doc: object, target: Path) -> None:
    """Payload bytes, raw 64-byte signatures and the PEM public key, one set per note."""
    from .domain import signature as sig
    from .storage.files import atomic_write, ensure_profile_dir

    notes = [doc] if isinstance(doc, dict) and doc.get("format") == "hushpad-note" else [
        e.get("signed") for e in (doc.get("progress_notes") or []) if isinstance(e, dict)] if isinstance(doc, dict) else []
    ensure_profile_dir(target)
    for note in notes:
        block = ((note or {}).get("signatures") or {}).get("note") or {}
        if block.get("algorithm") != sig.ALGORITHM:
            continue
        signed = sig.Signed.from_json(block)
        stem = target / f"note-{note.get('note_id')}"
        atomic_write(stem.with_suffix(".payload"), signed.payload)
        atomic_write(stem.with_suffix(".sig"), signed.signature)
        atomic_write(stem.with_suffix(".pem"), sig.public_pem(signed.public).encode("ascii"))
        print(f"wrote {stem}.payload, .sig, .pem", file=sys.stderr)


def cmd_supervisor(config: Config, args: argparse.Namespace) -> int:
    from .domain.session_facts import display_time
    from .services.signing import Reviews

    with _workspace(config) as ws:
        reviews = Reviews(ws)
        if args.supervisor_command == "add":
            try:
                pem = Path(args.key).expanduser().read_bytes()
            except OSError as exc:
                raise CliError(f"Cannot read {args.key}: {exc.strerror}.") from None
            fp = reviews.add_supervisor(args.name, pem)
            print(f"Registered {args.name.strip()} (key {fp}). Check this fingerprint with them, by voice or in person.")
            return 0
        for fp, row in reviews.signatures.supervisor_keys().items():
            print(f"{row['name']}  key {fp}  added {display_time(row['added_at'])[:10]}")
        for row in reviews.awaiting():
            print(f"awaiting co-signature: note {row['note_id']} ({row['client_code']}, {display_time(row['started_at'])[:10]}) "
                  f"sent to {row['supervisor']} on {display_time(row['sent_at'])[:10]}")
    return 0


def cmd_review(config: Config, args: argparse.Namespace) -> int:
    from .domain.session_facts import display_time
    from .services.signing import Reviews

    words = list(args.words)
    importing = len(words) == 2 and words[0] == "import"
    if len(words) != 1 and not importing:
        raise CliError("Use `hushpad review FILE` or `hushpad review import FILE`.")
    path = Path(words[-1]).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror}.") from None
    with _workspace(config) as ws:
        reviews = Reviews(ws)
        if importing:
            print(f"Note {reviews.import_response(data)}.")
            return 0
        review = reviews.open_review(data)
        associate = review["associate"]
        print(review["payload"].get("text", "").rstrip("\n"))
        print()
        if review["problems"]:
            print("SIGNATURE INVALID: " + "; ".join(review["problems"]))
            return EXIT_FAILURE
        print(f"Signature verified: signed by {associate.get('name', '?')} with key "
              f"{review['header'].get('from')} on {display_time(str(review['payload'].get('signed_at') or ''), zone=True)}.")
        if args.cosign:
            decision, comment = "cosigned", ""
        elif args.return_comment is not None:
            decision, comment = "returned", args.return_comment
        else:
            if not sys.stdin.isatty():
                raise CliError("Say --cosign or --return COMMENT when not at a terminal.")
            answer = input("Countersign it [c], return it with a comment [r], or leave it [q]? ").strip().lower()
            if answer.startswith("c"):
                decision, comment = "cosigned", ""
            elif answer.startswith("r"):
                decision, comment = "returned", input("Comment for the associate: ")
            else:
                print("Nothing was signed.")
                return 0
        response = reviews.respond(review, decision, comment)
    output = args.output or str(path.with_name(path.stem + "-response.json"))
    _write_output(response.decode("utf-8"), output)
    print(f"{'Countersigned' if decision == 'cosigned' else 'Returned'}. Send {output} back to the associate.")
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    """Where everything is, without reading the settings: a broken config.toml is one
    reason to ask."""
    from .config import ENV_HOME, default_config_path
    from .storage.paths import ProfilePaths

    import platformdirs

    profile_dir = default_profile_dir(args.profile)
    paths = ProfilePaths(profile_dir)
    config_path = default_config_path(profile_dir, explicit_profile=bool(args.profile))
    data_dir = Path(platformdirs.user_data_dir("hushpad", appauthor=False))
    source = "--profile" if args.profile else f"${ENV_HOME}" if os.environ.get(ENV_HOME) else "the default"
    state = "set up" if paths.is_initialised() else "no profile yet; `hushpad init` sets one up"

    def there(path: Path) -> str:
        return "" if path.exists() else "  (not there yet)"

    print(f"Settings file:  {config_path}{there(config_path)}")
    print(f"Data folder:    {data_dir}{there(data_dir)}")
    print(f"Profile folder: {profile_dir}  (from {source}; {state})")
    for label, path in (("keys", paths.keys), ("record", paths.record), ("vault", paths.vault)):
        print(f"  {label + ':':<8}{path}{there(path)}")
    return 0


def _completion_hints(parser: argparse.ArgumentParser) -> None:
    """File and folder arguments complete as paths (shtab reads ``action.complete``)."""
    import shtab

    for each in subparsers_of(parser):
        for action in each._actions:
            metavar = str(action.metavar or "")
            if metavar in ("DIR",):
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
            elif metavar in ("FILE", "PEM", "FILE.pem", "[import] FILE"):
                action.complete = shtab.FILE  # type: ignore[attr-defined]


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    parser = build_parser()
    _completion_hints(parser)
    sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return 0


def cmd_jot(config: Config, args: argparse.Namespace) -> int:
    # An unknown code is reported by the app as it unlocks (one unlock, not two).
    return run_app(config, jot_code=args.code)


def run_app(config: Config, jot_code: str | None = None) -> int:
    early = None
    keystore = None
    if jot_code and not config.demo and config.paths.is_initialised():
        # Before Textual is even imported: the keyring read and the vault open overlap its
        # start-up, and the scratchpad takes typing meanwhile (issue 14).
        from .services.access import default_keystore
        from .services.early_unlock import EarlyUnlock

        keystore = default_keystore(config)
        early = EarlyUnlock(config, keystore)
    from .app import make_app

    app = make_app(config, keystore=keystore, jot_code=jot_code, early=early)
    try:
        app.run()
    finally:
        if early is not None:
            early.discard()
    if app.startup_error:
        raise CliError(app.startup_error)
    return app.return_code or 0


@contextlib.contextmanager
def demo_profile() -> Iterator[Path]:
    """A throw-away profile, in RAM where the OS offers it, removed on exit (also on SIGTERM/SIGHUP)."""
    import signal

    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="hushpad-demo-", dir=base))

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))}
    try:
        yield root / "profile"
    finally:
        shutil.rmtree(root, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


COMMANDS: dict[str, Callable[[Config, argparse.Namespace], int]] = {
    "init": cmd_init,
    "doctor": cmd_doctor,
    "backup": cmd_backup,
    "client": cmd_client,
    "keys": cmd_keys,
    "jot": cmd_jot,
    "export": cmd_export,
    "verify": cmd_verify,
    "supervisor": cmd_supervisor,
    "review": cmd_review,
}


# Need no profile and read no settings.
NO_PROFILE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "paths": cmd_paths,
    "completion": cmd_completion,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.demo:
            if args.command not in (None, "jot"):
                raise CliError("--demo runs the app only; other commands need a real profile.")
            with demo_profile() as root:
                config = Config(profile_dir=root, config_path=root / "config.toml",
                                clinician_name="Demo Clinician", credentials="LCSW", demo=True, debug=args.debug)
                return run_app(config, jot_code=getattr(args, "code", None))
        if args.command in NO_PROFILE_COMMANDS:
            return NO_PROFILE_COMMANDS[args.command](args)
        config = _config(args)
        if args.command is None:
            return run_app(config)
        return COMMANDS[args.command](config, args)
    except (HushpadError, ConfigError) as exc:
        print(f"hushpad: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("hushpad: interrupted; nothing was left half-written.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the user gets one line, --debug gets the traceback
        if args.debug:
            raise
        print(f"hushpad: unexpected error ({type(exc).__name__}). Run with --debug for details.", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":  # pragma: no cover
    from .hardening import harden_process

    harden_process()  # as the hushpad command does (tui/launch.py)
    sys.exit(main())
