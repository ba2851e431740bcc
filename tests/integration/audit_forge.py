#!/usr/bin/env python3
"""tests/integration/audit_forge.py — an independent implementation of the audit log format
(gateway/daemon/audit.h, audit_checkpoint.h) for test_audit_cli.sh: writes signed logs and side files with
Python's `cryptography`, plays the attacker (edits and cuts with every later hash recomputed: json.dumps
sort_keys compact ensure_ascii + sha256; the attacker has no key, so signatures stay as they were) and checks
the checkpoint signatures of a log written by sigbridge.

  gen KEY CERT LOG N EVERY [--node ID] [--reopen SEQ] [--no-side] [--unsigned]
                                  N decisions, a "start" checkpoint first (or a "reopen" one continuing seq
                                  SEQ-1), a "cadence" checkpoint after every EVERY decisions; LOG.checkpoint
                                  names the last checkpoint
  edit LOG LINE                   change the decision at LINE (1-based), recompute every later prev/hash
  cut LOG FROM TO [--keep-seq]    remove lines FROM..TO, renumber seq (unless --keep-seq), recompute
  strip LOG                       remove every checkpoint, renumber, recompute
  verify LOG CERT...              check every checkpoint's signature (exit 0 all verify, 1 otherwise)

Records here are printable ASCII only: for other characters Python's ensure_ascii form and jansson's
JSON_ENSURE_ASCII differ (Python writes \\u00e9 and escapes DEL as \\u007f; jansson writes \\u00E9 and leaves
DEL as is), so a record hash over such content is not reproducible with json.dumps.
"""
import base64
import hashlib
import json
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

GENESIS = '0' * 64


def canon(d):
    return json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=True)


def rec_hash(d):
    return hashlib.sha256(canon({k: v for k, v in d.items() if k != 'hash'}).encode()).hexdigest()


def signed_text(d):
    return canon({k: v for k, v in d.items() if k not in ('sig', 'hash')}).encode()


def dump(d):
    return json.dumps(d, separators=(',', ':'), ensure_ascii=True) + '\n'


def alg_of(pub):
    if isinstance(pub, rsa.RSAPublicKey):
        return 'rsa-pkcs1-sha256'
    if isinstance(pub, ed25519.Ed25519PublicKey):
        return 'ed25519'
    if isinstance(pub, ec.EllipticCurvePublicKey):
        bits = pub.curve.key_size
        return 'ecdsa-sha512' if bits >= 512 else 'ecdsa-sha384' if bits >= 384 else 'ecdsa-sha256'
    raise SystemExit('unsupported key')


HASHES = {'rsa-pkcs1-sha256': hashes.SHA256, 'ecdsa-sha256': hashes.SHA256, 'ecdsa-sha384': hashes.SHA384,
          'ecdsa-sha512': hashes.SHA512}


def sign(key, alg, msg):
    if alg == 'ed25519':
        return key.sign(msg)
    if alg == 'rsa-pkcs1-sha256':
        return key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(msg, ec.ECDSA(HASHES[alg]()))


def verify(cert, alg, msg, sig):
    pub = cert.public_key()
    if alg != alg_of(pub):
        return False
    try:
        if alg == 'ed25519':
            pub.verify(sig, msg)
        elif alg == 'rsa-pkcs1-sha256':
            pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256())
        else:
            pub.verify(sig, msg, ec.ECDSA(HASHES[alg]()))
    except InvalidSignature:
        return False
    return True


def load_cert(path):
    return x509.load_pem_x509_certificate(open(path, 'rb').read())


def cert_sha256(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def read(path):
    return [json.loads(line) for line in open(path).read().splitlines()]


def write_side(log, lines):
    off = 0
    last = None
    for line in lines:
        if json.loads(line).get('type') == 'checkpoint':
            last = (off, line)
        off += len(line.encode())
    if last is not None:
        with open(log + '.checkpoint', 'w') as f:
            f.write('{"log":%s,"offset":%d,"checkpoint":%s}\n' % (json.dumps(log), last[0], last[1].rstrip('\n')))


def gen(args):
    key_path, cert_path, log, n, every = args[0], args[1], args[2], int(args[3]), int(args[4])
    opts = args[5:]
    node = opts[opts.index('--node') + 1] if '--node' in opts else 'py-node'
    key = serialization.load_pem_private_key(open(key_path, 'rb').read(), None)
    cert = load_cert(cert_path)
    alg, csha = alg_of(cert.public_key()), cert_sha256(cert)
    seq, prev = 1, GENESIS
    if '--reopen' in opts:
        seq = int(opts[opts.index('--reopen') + 1])
        prev = hashlib.sha256(b'the previous file').hexdigest()
    lines = []

    def stamp(s):
        return '2026-12-07T10:%02d:%02d.000Z' % (s // 60 % 60, s % 60)

    def ckpt(event, extra=None):
        nonlocal seq, prev
        d = {'seq': seq, 'time': stamp(seq), 'node': node, 'type': 'checkpoint', 'event': event}
        d.update(extra or {})
        d['every_records'] = every
        d['every_s'] = 60
        if '--unsigned' not in opts:
            d['cert_sha256'] = csha
            d['sig_alg'] = alg
            d['prev'] = prev
            sig = base64.b64encode(sign(key, alg, signed_text(d))).decode()
            del d['prev']
            d['sig'] = sig
        d['prev'] = prev
        d['hash'] = rec_hash(d)
        lines.append(dump(d))
        prev, seq = d['hash'], seq + 1

    if '--reopen' in opts:
        ckpt('reopen', {'previous': {'state': 'renamed', 'last_seq': seq - 1, 'size': 12345}})
    else:
        ckpt('start')
    for i in range(n):
        d = {'seq': seq, 'time': stamp(seq), 'node': node, 'request_id': 'req-%d' % i, 'client': 'bank-a',
             'route': 'verify', 'from': 'hk', 'to': None, 'object_sha256': hashlib.sha256(b'%d' % i).hexdigest(),
             'signer_subject': 'CN=Signer %d,O=Test,C=HK' % i, 'signer_serial': '%x' % (4096 + i),
             'indication': 'TOTAL_PASSED', 'subindication': None, 'reason': None, 'snapshot': 'a' * 64,
             'prev': prev}
        d['hash'] = rec_hash(d)
        lines.append(dump(d))
        prev, seq = d['hash'], seq + 1
        if (i + 1) % every == 0:
            ckpt('cadence')
    open(log, 'w').write(''.join(lines))
    if '--no-side' not in opts:
        write_side(log, lines)


def recompute(recs, from_index, renumber):
    """Recompute seq (renumber), prev and hash from recs[from_index] on, as the attacker's tool does."""
    for i in range(max(from_index, 0), len(recs)):
        d = recs[i]
        if i > 0:
            d['prev'] = recs[i - 1]['hash']
            if renumber:
                d['seq'] = recs[i - 1]['seq'] + 1
        d['hash'] = rec_hash(d)


def write_recs(path, recs):
    open(path, 'w').write(''.join(dump(d) for d in recs))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'gen':
        gen(args)
    elif cmd == 'edit':
        recs, i = read(args[0]), int(args[1]) - 1
        assert recs[i].get('type') != 'checkpoint'
        recs[i]['indication'] = 'TOTAL_FAILED'
        recs[i]['reason'] = 'REVOKED'
        recompute(recs, i, False)
        write_recs(args[0], recs)
    elif cmd == 'cut':
        recs, a, b = read(args[0]), int(args[1]) - 1, int(args[2])
        del recs[a:b]
        recompute(recs, a, '--keep-seq' not in args)
        write_recs(args[0], recs)
    elif cmd == 'strip':
        recs = [d for d in read(args[0]) if d.get('type') != 'checkpoint']
        recs[0]['seq'], recs[0]['prev'] = 1, GENESIS
        recompute(recs, 0, True)
        write_recs(args[0], recs)
    elif cmd == 'verify':
        certs = {cert_sha256(c): c for c in map(load_cert, args[1:])}
        n = 0
        for line_no, d in enumerate(read(args[0]), 1):
            if d.get('type') != 'checkpoint':
                continue
            if rec_hash(d) != d['hash'] or d.get('cert_sha256') not in certs or \
                    not verify(certs[d['cert_sha256']], d['sig_alg'], signed_text(d), base64.b64decode(d['sig'])):
                print('line %d: checkpoint does not verify' % line_no)
                sys.exit(1)
            n += 1
        print('%d checkpoints verify' % n)
        sys.exit(0 if n > 0 else 1)
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
