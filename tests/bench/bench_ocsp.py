"""tests/bench/bench_ocsp.py — the `make bench` row for live revocation (issue 16): an RSA CMS whose signer's
status comes from OCSP, over HTTP with a warm revocation cache, next to the same object with revocation off.

Its own PKI, made here with the openssl CLI (RSA-2048 root -> intermediate -> leaf, the leaf carrying an AIA
OCSP URL on a loopback port and the Hong Kong policy OIDs), a real `openssl ocsp` responder for the
intermediate (responses valid 60 minutes), and a copy of the policies directory whose hk.yaml trusts that
root under `revocation: {mode: require, sources: [embedded, ocsp, files]}` (the intermediate's own status
from a root CRL file, the leaf's from OCSP) or `mode: off`. Each daemon answers one request before wrk starts,
so the OCSP response is fetched once and then served from the gateway's cache (and the validated path is
cached until the response's nextUpdate): the row measures that the status is cached, not fetched per request.
The responder's log shows how many requests it answered during the run.
"""
import os
import re
import shutil
import subprocess
import time

import bench

OCSP_POLICY_OID = "2.16.344.8.2.2008.810.2.2012.1.0"


def _ossl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        bench.die("openssl %s: %s" % (" ".join(args), r.stderr.strip()[:300]))
    return r.stdout


def make_pki(d, port):
    """root, int, leaf (AIA OCSP http://127.0.0.1:port/), root.crl, an index for the responder."""
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    exts = {
        "root": "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n",
        "int": "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
               "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncertificatePolicies=2.5.29.32.0\n",
        "leaf": "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncertificatePolicies=%s\n"
                "authorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/\n" % (OCSP_POLICY_OID, port),
    }
    for name in ("root", "int", "leaf"):
        _ossl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key"], d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(exts[name])
    _ossl(["req", "-new", "-x509", "-key", "root.key", "-subj", "/C=HK/O=sigbridge bench/CN=OCSP Bench Root",
           "-days", "3650", "-sha256", "-set_serial", "1", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.pem"], d)
    for name, issuer, serial in (("int", "root", "2"), ("leaf", "int", "1001")):
        _ossl(["req", "-new", "-key", name + ".key", "-subj", "/C=HK/O=sigbridge bench/CN=OCSP Bench " + name,
               "-out", name + ".csr"], d)
        _ossl(["x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
               "-set_serial", serial, "-days", "1000", "-sha256", "-extfile", name + ".ext", "-out", name + ".pem"], d)
    # the responder's database (openssl ca's index.txt format) and a root CRL for the intermediate
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.write("V\t351231235959Z\t\t03E9\tunknown\t/C=HK/O=sigbridge bench/CN=OCSP Bench leaf\n")
    with open(os.path.join(d, "index.txt.attr"), "w") as f:
        f.write("unique_subject = no\n")
    os.makedirs(os.path.join(d, "rootdb"))
    open(os.path.join(d, "rootdb", "index.txt"), "w").close()
    with open(os.path.join(d, "rootdb", "crlnumber"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(d, "root-ca.cnf"), "w") as f:
        f.write("[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = %s/rootdb/index.txt\ncrlnumber = %s/rootdb/crlnumber\n"
                "certificate = %s/root.pem\nprivate_key = %s/root.key\ndefault_md = sha256\ndefault_crl_days = 30\n"
                "crl_extensions = crl_ext\n[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n" % (d, d, d, d))
    _ossl(["ca", "-gencrl", "-config", "root-ca.cnf", "-out", "root.crl"], d)
    return d


def make_policies(a, pki, port, mode):
    """A copy of a.policies whose hk.yaml trusts the bench PKI with revocation `mode` (require+ocsp or off)."""
    out = os.path.join(a.out, "ocsp-policies-%s" % mode)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    src_pki = os.path.abspath(a.pki) + "/"
    for name in os.listdir(a.policies):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(a.policies, name)) as f:
            text = f.read().replace("../build/pki/", src_pki)
        if name == "hk.yaml":
            text = text.replace(src_pki + "hk/root.pem", os.path.join(pki, "root.pem"))
            text = text.replace(src_pki + "hk/int.pem", os.path.join(pki, "int.pem"))
            if mode == "off":
                rev = "revocation:\n  mode: off\n"
            else:
                rev = ("revocation:\n  mode: require\n  sources: [embedded, ocsp, files]\n  crl: [%s]\n"
                       "  fetch: { allow: [\"http://127.0.0.1:%d/\"], timeout_ms: 2000 }\n"
                       % (os.path.join(pki, "root.crl"), port))
            text, n = re.subn(r"(?ms)^revocation:\n(?:(?:  .*|\s*#.*)?\n)*", rev + "\n", text)
            if n != 1:
                bench.die("bench_ocsp: cannot find hk.yaml's revocation section")
        with open(os.path.join(out, name), "w") as f:
            f.write(text)
    return out


def run(a):
    """{"off": wrk result, "ocsp": wrk result, "responder_requests": n} — or {"note": why} when it cannot run."""
    port = bench.free_port()
    pki = make_pki(os.path.join(a.out, "ocsp-pki"), port)
    doc = os.path.join(a.out, "bench-doc.txt")
    obj = os.path.join(a.out, "ocsp-rsa.der")
    _ossl(["cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", doc, "-signer", "leaf.pem", "-inkey",
           "leaf.key", "-certfile", "int.pem", "-md", "sha256", "-out", obj], pki)
    log = open(os.path.join(a.out, "ocsp-responder.log"), "w")
    responder = subprocess.Popen(["openssl", "ocsp", "-index", "index.txt", "-CA", "int.pem", "-rsigner", "int.pem",
                                  "-rkey", "int.key", "-port", str(port), "-nmin", "60", "-ignore_err", "-resp_text"],
                                 cwd=pki, stdout=log, stderr=subprocess.STDOUT)
    res = {}
    try:
        time.sleep(0.5)
        for mode in ("off", "ocsp"):
            saved = a.policies
            a.policies = make_policies(a, pki, port, mode)
            d = bench.Daemon(a, "ocsp-" + mode, 10000, 10000)
            a.policies = saved
            try:
                with open(obj, "rb") as f:
                    st, body = bench.http("http://127.0.0.1:%d/v1/verify?from=hk" % d.api, f.read(),
                                          "application/cms")
                if st != 200 or b'"TOTAL_PASSED"' not in body:
                    bench.die("bench_ocsp (%s): HTTP %d %s" % (mode, st, body[:400]))
                before = _responder_requests(log.name)
                res[mode] = bench.wrk(a, d, "ocsp-" + mode, "hk", obj, a.seconds)
                res[mode + "_fetches"] = _responder_requests(log.name) - before
            finally:
                d.stop()
    finally:
        responder.terminate()
        responder.wait()
        log.close()
    return res


def _responder_requests(path):
    with open(path) as f:
        return len(re.findall(r"OCSP Response Data:", f.read()))


def report(res, b2):
    if not res:
        return
    off, on = res["off"], res["ocsp"]
    print("\nlive revocation (RSA-2048 CMS, one signer, warm caches; leaf status by OCSP from `openssl ocsp`, "
          "intermediate by a root CRL file):")
    hdr = "%-44s %9s %8s %8s %9s %8s" % ("row", "req/s", "p50 ms", "p99 ms", "CPU us/r", "vs bare2")
    print(hdr)
    print("-" * len(hdr))
    for label, w in (("HTTP /v1/verify, revocation off", off), ("HTTP /v1/verify, OCSP require, warm cache", on)):
        print("%-44s %9.0f %8.2f %8.2f %9.1f %8s" % (label, w["rps"], w["p50"], w["p99"], w["cpu_us"],
                                                    "%5.2fx" % (w["rps"] / b2) if b2 else "   n/a"))
    print("OCSP warm / off: %.1f%% (the issue asks for within 10%%); requests the responder answered during the OCSP run: %d"
          % (100.0 * on["rps"] / off["rps"] if off["rps"] else 0.0, res.get("ocsp_fetches", -1)))
