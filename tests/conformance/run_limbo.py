#!/usr/bin/env python3
"""x509-limbo conformance harness for `sigbridge chain` (DESIGN.md section 7).

Runs every case of a limbo.json corpus through `BIN chain --json ...`, checks the
exit code against the expected result and the JSON output against the CLI contract,
prints a per-namespace score table, and fails when the total passed is below the
floor. Python 3 standard library only. See tests/conformance/README.md.

Exit status: 0 = at or above the floor, 1 = below the floor,
2 = harness problem (bad arguments, missing binary, bad corpus/floor/skip file).
"""

import argparse
import base64
import concurrent.futures
import dataclasses
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 10
WORKERS = 2
MAX_SKIPS = 10
MSG_MAX = 300

# Namespaces of the corpus, in the order of the score table. Unknown ones are appended.
NAMESPACES = ("rfc5280", "webpki", "online", "pathlen", "pathological", "crl", "cve", "invalid")

# DESIGN.md section 7: exit status -> indication, and the subindications each one may carry.
EXIT_INDICATION = {0: "TOTAL_PASSED", 1: "TOTAL_FAILED", 3: "INDETERMINATE"}
SUBINDICATIONS = {
    "TOTAL_FAILED": {"HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "FORMAT_FAILURE"},
    "INDETERMINATE": {"NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE",
                      "CRYPTO_CONSTRAINTS_FAILURE", "SIG_CONSTRAINTS_FAILURE",
                      "OUT_OF_BOUNDS_NO_POE", "REVOKED_NO_POE", "TRY_LATER",
                      "SIGNED_DATA_NOT_FOUND", "POLICY_PROCESSING_ERROR"},
}
JSON_KEYS = ("valid", "indication", "subindication", "reason", "message", "validation_time", "chain")
CHAIN_KEYS = ("subject", "issuer", "serial", "sha256")

RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ")

REQUIRED_FIELDS = ("id", "validation_kind", "trusted_certs", "untrusted_intermediates",
                   "peer_certificate", "validation_time", "key_usage", "extended_key_usage",
                   "expected_result", "expected_peer_name", "expected_peer_names",
                   "max_chain_depth", "crls")


class HarnessError(Exception):
    """A problem with the harness inputs (not with a case): exit 2."""


@dataclasses.dataclass
class Result:
    case_id: str
    expected: str
    # "pass", "fail" (wrong verdict), "error" (exit 2, crash, timeout, sanitizer),
    # "contract" (output breaks section 7), "skip" (listed in skip.txt, not run)
    status: str
    exit_code: object = None  # int, or None when not run / timed out
    reason: object = None
    message: object = None
    detail: str = ""
    cwd: str = ""
    cmd: tuple = ()


# ---------------------------------------------------------------- case -> command line

def namespace(case_id):
    return case_id.split("::", 1)[0]


def safe_name(case_id):
    return re.sub(r"[^A-Za-z0-9._-]", "_", case_id.replace("::", "__"))


def limbo_profile(case_id):
    """The --profile a case runs under.

    webpki:: cases test the CA/Browser Forum profile. Every other namespace (rfc5280::, pathlen::, crl::,
    ...) tests RFC 5280 including its section 4 CA-side MUSTs (criticality of basicConstraints,
    policyConstraints, AKI/SKI...), which is what `--profile strict` adds to the default `rfc5280`.
    """
    return "webpki" if namespace(case_id) == "webpki" else "strict"


def eku_args(case):
    """--eku arguments for a case.

    Only the EKUs listed in `extended_key_usage` are required. The validation kind adds
    nothing: limbo already lists serverAuth/clientAuth where a case depends on it (the 4
    serverAuth cases, the 10 CLIENT cases), and an implicit serverAuth for every SERVER case
    would test something upstream did not ask for. It would not change rfc5280::eku::
    ee-without-eku (a leaf without EKU satisfies any EKU requirement under RFC 5280), but it
    would turn every SERVER case into an EKU test. webpki::eku::ee-without-eku (FAILURE) has an
    empty list too: requiring an EKU in the leaf is the webpki profile's job.
    """
    args = []
    for eku in case["extended_key_usage"]:
        args += ["--eku", eku]
    return args


def write_file(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")


def build_case_files(case, workdir):
    """Write the PEM inputs into workdir and return the argv (file names relative to workdir)."""
    os.makedirs(workdir, exist_ok=True)
    args = ["chain", "--json",
            "--profile", limbo_profile(case["id"])]
    if case["validation_time"] is not None:
        args += ["--at", case["validation_time"]]
    if case["max_chain_depth"] is not None:
        args += ["--max-depth", str(case["max_chain_depth"])]
    args += ["--revocation", "require" if case["crls"] else "off"]
    for i, pem in enumerate(case["trusted_certs"]):
        name = "anchor-%d.pem" % i
        write_file(os.path.join(workdir, name), pem)
        args += ["--anchor", name]
    for i, pem in enumerate(case["untrusted_intermediates"]):
        name = "untrusted-%d.pem" % i
        write_file(os.path.join(workdir, name), pem)
        args += ["--untrusted", name]
    for i, pem in enumerate(case["crls"]):
        name = "crl-%d.pem" % i
        write_file(os.path.join(workdir, name), pem)
        args += ["--crl", name]
    peer_name = case["expected_peer_name"]
    if peer_name is not None:
        if peer_name["kind"] not in ("DNS", "IP"):
            raise HarnessError("%s: unsupported expected_peer_name kind %r"
                               % (case["id"], peer_name["kind"]))
        args += ["--hostname", peer_name["value"]]
    for name in case["expected_peer_names"]:
        if name["kind"] != "RFC822":
            raise HarnessError("%s: unsupported expected_peer_names kind %r"
                               % (case["id"], name["kind"]))
        args += ["--email", name["value"]]
    for ku in case["key_usage"]:
        args += ["--key-usage", ku]
    args += eku_args(case)
    write_file(os.path.join(workdir, "peer.pem"), case["peer_certificate"])
    args.append("peer.pem")
    return args


def pem_sha256(pem):
    """Lowercase hex SHA-256 of the DER of the first certificate in a PEM string, or None."""
    match = PEM_RE.search(pem)
    if match is None:
        return None
    try:
        der = base64.b64decode("".join(match.group(1).split()), validate=True)
    except ValueError:
        return None
    return hashlib.sha256(der).hexdigest()


# ---------------------------------------------------------------- output contract

def parse_rfc3339(text):
    match = RFC3339_RE.match(text)
    if match is None:
        return None
    year, mon, day, hour, minute, sec = (int(g) for g in match.groups()[:6])
    frac, off = match.group(7), match.group(8)
    if off in ("Z", "z"):
        tz = datetime.timezone.utc
    else:
        sign = 1 if off[0] == "+" else -1
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    try:
        when = datetime.datetime(year, mon, day, hour, minute, min(sec, 59), tzinfo=tz)
    except ValueError:
        return None
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    return when.replace(microsecond=micro)


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate key %r" % key)
        obj[key] = value
    return obj


def check_contract(stdout, rc, case):
    """Return (parsed object or None, list of contract problems) for an exit 0/1/3 run."""
    text = stdout.strip()
    if not text:
        return None, ["nothing on stdout"]
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except ValueError as exc:
        return None, ["stdout is not exactly one JSON object: %s" % exc]
    if not isinstance(obj, dict):
        return None, ["stdout is JSON but not an object"]
    problems = []
    missing = [k for k in JSON_KEYS if k not in obj]
    if missing:
        problems.append("missing key(s): %s" % ", ".join(missing))
    valid = obj.get("valid")
    indication = obj.get("indication")
    sub = obj.get("subindication")
    reason = obj.get("reason")
    if "valid" in obj:
        if not isinstance(valid, bool):
            problems.append("valid is not a boolean")
        elif valid != (rc == 0):
            problems.append("valid=%s disagrees with exit %d" % (json.dumps(valid), rc))
    if "indication" in obj and indication != EXIT_INDICATION[rc]:
        problems.append("indication %s disagrees with exit %d (want %s)"
                        % (json.dumps(indication), rc, EXIT_INDICATION[rc]))
    if rc == 0:
        if sub is not None or reason is not None:
            problems.append("subindication/reason must be null when passed")
    else:
        if "subindication" in obj and sub not in SUBINDICATIONS[EXIT_INDICATION[rc]]:
            problems.append("subindication %s is not one of section 7's for %s"
                            % (json.dumps(sub), EXIT_INDICATION[rc]))
        if "reason" in obj and (not isinstance(reason, str) or not reason):
            problems.append("reason must be a non-empty string when not passed")
    if "message" in obj and not isinstance(obj["message"], str):
        problems.append("message is not a string")
    if "validation_time" in obj:
        vt = obj["validation_time"]
        got = parse_rfc3339(vt) if isinstance(vt, str) else None
        if got is None:
            problems.append("validation_time %s is not RFC 3339" % json.dumps(vt))
        elif case["validation_time"] is not None:
            want = parse_rfc3339(case["validation_time"].replace(" ", "T"))
            if want is not None and got not in (want, want.replace(microsecond=0)):
                problems.append("validation_time %s is not the --at time %s"
                                % (vt, case["validation_time"]))
    if "chain" in obj:
        chain = obj["chain"]
        if not isinstance(chain, list):
            problems.append("chain is not a list")
        else:
            for i, elem in enumerate(chain):
                if not isinstance(elem, dict) or any(
                        not isinstance(elem.get(k), str) for k in CHAIN_KEYS):
                    problems.append("chain[%d] lacks string %s" % (i, "/".join(CHAIN_KEYS)))
                    break
                if not SHA256_RE.match(elem["sha256"]):
                    problems.append("chain[%d].sha256 is not lowercase hex SHA-256" % i)
                    break
            else:
                if rc == 0:
                    problems += check_passed_chain(chain, case)
    return obj, problems


def check_passed_chain(chain, case):
    """A passed result's chain runs leaf -> anchor inclusive."""
    if not chain:
        return ["chain is empty although the result passed"]
    problems = []
    leaf = pem_sha256(case["peer_certificate"])
    if leaf is not None and chain[0]["sha256"] != leaf:
        problems.append("chain[0] is not the peer certificate")
    anchors = {pem_sha256(p) for p in case["trusted_certs"]}
    if None not in anchors and chain[-1]["sha256"] not in anchors:
        problems.append("last chain element is not one of the --anchor certificates")
    return problems


# ---------------------------------------------------------------- running one case

def one_line(text, limit=MSG_MAX):
    if text is None:
        return "-"
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def stderr_excerpt(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    for marker in SANITIZER_MARKERS:
        for line in lines:
            if marker in line:
                return one_line(line)
    return one_line(lines[-1]) if lines else ""


def run_case(case, binary, workroot):
    workdir = os.path.join(workroot, safe_name(case["id"]))
    argv = [binary] + build_case_files(case, workdir)
    res = Result(case["id"], case["expected_result"], "error", cwd=workdir, cmd=tuple(argv))
    try:
        # Own process group, so that a timeout also ends anything the binary started.
        proc = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as exc:
        res.detail = "harness error: cannot run %s: %s" % (binary, exc)
        return res
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        res.detail = "harness error: timeout after %d s" % TIMEOUT_S
        return res
    rc = proc.returncode
    res.exit_code = rc
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    if rc < 0:
        res.detail = "harness error: killed by signal %d" % -rc
        if stderr_excerpt(stderr):
            res.detail += "; stderr: " + stderr_excerpt(stderr)
        return res
    if any(m in stderr for m in SANITIZER_MARKERS):
        res.detail = "harness error: sanitizer report: %s" % stderr_excerpt(stderr)
        return res
    if rc not in EXIT_INDICATION:
        what = "usage/input error" if rc == 2 else "unexpected exit code"
        res.detail = "harness error: %s (exit %d): %s" % (
            what, rc, one_line(stdout.strip() or stderr_excerpt(stderr) or "no output"))
        try:
            err = json.loads(stdout)["error"]
            res.reason, res.message = err.get("code"), err.get("message")
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        return res
    obj, problems = check_contract(stdout, rc, case)
    if isinstance(obj, dict):
        res.reason, res.message = obj.get("reason"), obj.get("message")
    if problems:
        res.status = "contract"
        res.detail = "contract violation: " + "; ".join(problems)
        return res
    ok = (rc == 0) == (case["expected_result"] == "SUCCESS")
    res.status = "pass" if ok else "fail"
    return res


def keep_case(res, case, keep_dir):
    """Copy a failing case's inputs to keep_dir/<id>/ with a rerun script; return the new dir."""
    dest = os.path.join(keep_dir, safe_name(res.case_id))
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    shutil.copytree(res.cwd, dest)
    with open(os.path.join(dest, "rerun.sh"), "w", encoding="utf-8") as fh:
        fh.write("#!/bin/sh\n# %s: expected %s\n# %s\ncd \"$(dirname \"$0\")\" && exec %s\n" % (
            res.case_id, res.expected, one_line(case.get("description", ""), 200),
            " ".join(shlex.quote(a) for a in res.cmd)))
    os.chmod(os.path.join(dest, "rerun.sh"), 0o755)
    return dest


# ---------------------------------------------------------------- inputs

def load_corpus(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise HarnessError("cannot read corpus %s: %s" % (path, exc))
    if not isinstance(data, dict) or data.get("version") != 1 or \
            not isinstance(data.get("testcases"), list):
        raise HarnessError("%s: not a version 1 limbo corpus" % path)
    seen = set()
    for case in data["testcases"]:
        missing = [f for f in REQUIRED_FIELDS if f not in case]
        if missing:
            raise HarnessError("%s: case %s lacks %s" % (path, case.get("id"), ", ".join(missing)))
        if case["id"] in seen or safe_name(case["id"]) in seen:
            raise HarnessError("%s: duplicate case id %s" % (path, case["id"]))
        seen.update((case["id"], safe_name(case["id"])))
        if case["expected_result"] not in ("SUCCESS", "FAILURE"):
            raise HarnessError("%s: %s has expected_result %r" % (path, case["id"],
                                                                  case["expected_result"]))
    return data["testcases"]


def load_floor(path):
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise HarnessError("cannot read floor file: %s" % exc)
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.isdigit():
            raise HarnessError("%s: first line must be a non-negative integer, got %r" % (path, line))
        return int(line)
    raise HarnessError("%s: no floor value" % path)


def load_skips(path, known_ids):
    skips = {}
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise HarnessError("cannot read skip file: %s" % exc)
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        case_id, sep, reason = line.partition("#")
        case_id, reason = case_id.strip(), reason.strip()
        where = "%s:%d" % (path, lineno)
        if not sep or not reason:
            raise HarnessError("%s: %s has no '# reason'" % (where, case_id))
        if len(case_id.split()) != 1:
            raise HarnessError("%s: expected 'case-id  # reason'" % where)
        if case_id not in known_ids:
            raise HarnessError("%s: unknown case id %s" % (where, case_id))
        if case_id in skips:
            raise HarnessError("%s: %s listed twice" % (where, case_id))
        skips[case_id] = reason
    if len(skips) > MAX_SKIPS:
        raise HarnessError("%s: %d entries, at most %d allowed" % (path, len(skips), MAX_SKIPS))
    return skips


# ---------------------------------------------------------------- report

def print_report(cases, results, skips, only, verbose, keep_dir, elapsed):
    order = list(NAMESPACES) + sorted({namespace(c["id"]) for c in cases} - set(NAMESPACES))
    score = {ns: [0, 0] for ns in order}
    for res in results:
        ns = score[namespace(res.case_id)]
        ns[1] += 1
        ns[0] += res.status == "pass"
    passed = sum(v[0] for v in score.values())
    total = sum(v[1] for v in score.values())

    def pct(p, t):
        return "%6.1f%%" % (100.0 * p / t) if t else "     -"

    print("%-14s %6s %6s %7s" % ("namespace", "passed", "total", "percent"))
    for ns in order:
        if score[ns][1] or only is None:
            print("%-14s %6d %6d %s" % (ns, score[ns][0], score[ns][1], pct(*score[ns])))
    print("%-14s %6d %6d %s" % ("TOTAL", passed, total, pct(passed, total)))

    failing = sorted((r for r in results if r.status not in ("pass", "skip")),
                     key=lambda r: r.case_id)
    counts = {s: sum(r.status == s for r in failing) for s in ("fail", "error", "contract")}
    print("\nfailing cases: %d (wrong verdict %d, harness error %d, contract violation %d)"
          % (len(failing), counts["fail"], counts["error"], counts["contract"]))
    for res in failing:
        print("  %s  expected %s, exit %s, reason %s, message: %s" % (
            res.case_id, res.expected, "-" if res.exit_code is None else res.exit_code,
            one_line(res.reason), one_line(res.message)))
        if res.detail:
            print("      %s" % res.detail)
        if verbose:
            where = res.cwd if keep_dir else "<input files removed; use --keep DIR>"
            print("      $ cd %s && %s" % (shlex.quote(where),
                                          " ".join(shlex.quote(a) for a in res.cmd)))
    skipped = sorted((r for r in results if r.status == "skip"), key=lambda r: r.case_id)
    print("\nskipped (counted as failures): %d" % len(skipped))
    for res in skipped:
        print("  %s  expected %s  # %s" % (res.case_id, res.expected, skips[res.case_id]))
    print("\nwall time: %.1f s" % elapsed)
    return passed


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description="Run the x509-limbo corpus through `sigbridge chain`.")
    ap.add_argument("--bin", required=True, help="the sigbridge binary (e.g. build/sigbridge)")
    ap.add_argument("--corpus", required=True, help="limbo.json")
    ap.add_argument("--floor", help="file whose first line is the minimum total passed")
    ap.add_argument("--skip", help="file of 'case-id  # reason' lines (at most %d)" % MAX_SKIPS)
    ap.add_argument("--only", metavar="PREFIX",
                    help="run only cases whose id starts with PREFIX (floor not enforced)")
    ap.add_argument("--verbose", action="store_true",
                    help="print the command line of each failing case")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the input files of failing cases in DIR/<case>/ (with rerun.sh)")
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    start = time.monotonic()
    try:
        cases = load_corpus(args.corpus)
        floor = load_floor(args.floor) if args.floor else 0
        skips = load_skips(args.skip, {c["id"] for c in cases}) if args.skip else {}
        binary = os.path.abspath(args.bin)
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise HarnessError("%s is not an executable file (run make first)" % args.bin)
        if args.only is not None:
            cases = [c for c in cases if c["id"].startswith(args.only)]
            if not cases:
                raise HarnessError("no case id starts with %r" % args.only)
        keep_dir = os.path.abspath(args.keep) if args.keep else None
        if keep_dir:
            os.makedirs(keep_dir, exist_ok=True)
    except HarnessError as exc:
        print("run_limbo: %s" % exc, file=sys.stderr)
        return 2

    odd = [c["id"] for c in cases if c["signature_algorithms"]]
    if odd:
        print("run_limbo: warning: signature_algorithms is not mapped to an option; ignored in %s"
              % ", ".join(odd), file=sys.stderr)
    print("limbo conformance: %s chain on %s (%d cases, %d workers, %d s timeout)\n"
          % (args.bin, args.corpus, len(cases), WORKERS, TIMEOUT_S))

    results = []
    progress = sys.stderr.isatty()
    with tempfile.TemporaryDirectory(prefix="sb-limbo-") as workroot:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS)
        try:
            futures = {}
            for case in cases:
                if case["id"] in skips:
                    results.append(Result(case["id"], case["expected_result"], "skip"))
                else:
                    futures[pool.submit(run_case, case, binary, workroot)] = case
            for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
                case = futures[fut]
                try:
                    res = fut.result()
                except HarnessError as exc:
                    print("run_limbo: %s" % exc, file=sys.stderr)
                    return 2
                if res.status != "pass" and keep_dir:
                    res.cwd = keep_case(res, case, keep_dir)
                results.append(res)
                if progress:
                    print("\r%d/%d" % (n, len(futures)), end="", file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            print("\nrun_limbo: interrupted", file=sys.stderr)
            return 2
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if progress:
            print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)

    passed = print_report(cases, results, skips, args.only, args.verbose, keep_dir,
                          time.monotonic() - start)
    if args.only is not None:
        print("floor %d not enforced with --only" % floor)
        return 0
    if passed < floor:
        print("FAIL: %d passed, below the floor of %d (%s)" % (passed, floor, args.floor))
        return 1
    print("OK: %d passed, floor %d" % (passed, floor))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
