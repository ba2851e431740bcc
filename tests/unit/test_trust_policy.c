/*
 * tests/unit/test_trust_policy.c — trust policy files (pki/policy/trust_policy.h): the loader's strictness, one
 * broken file per defect with the exact located message, error collection and its cap, random mutations
 * of the shipped policies (never a crash or hang; every rejection located), the policy applied to real
 * paths (each key proven to change a decision), and the policy set (ids, refcount, cross-file checks).
 *
 * Policy files are written from the tables below into a fresh temporary directory whose `pki` links to
 * the fixture PKIs of tests/pki/make-all.sh ($SB_PKI, default build/pki).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki/x509/chain.h"
#include "pki/policy/recognition.h"
#include "pki/policy/trust_policy.h"
#include "pki/policy/trust_policy_local.h"
#include "tests/unit/tp_fixture.h"

#define BASE "jurisdiction: hk\ntrust_anchors:\n  - file: pki/hk/root.pem\n"
#define HK_CHAIN BASE "intermediates: [pki/hk/int.pem]\n"

struct bad_case {
    const char *name;
    const char *yaml;
    const char *expect;      /* the first message, with the temp dir as "@" */
    enum sb_reason rc;
};

/* One defect per file. Line/column are 1-based as an editor shows them. */
static const struct bad_case bad_cases[] = {
    { "unknown top-level key (typo)", "jurisdiciton: hk\ntrust_anchors:\n  - file: pki/hk/root.pem\n",
      "@/p.yaml:1:1: jurisdiciton: unknown key (did you mean 'jurisdiction'?)", SB_R_INPUT_MALFORMED },
    { "unknown key in a section", BASE "certificate:\n  max_chain_lenght: 3\n",
      "@/p.yaml:5:3: certificate.max_chain_lenght: unknown key (did you mean 'max_chain_length'?)",
      SB_R_INPUT_MALFORMED },
    { "key in the wrong section", BASE "min_rsa_bits: 3072\n",
      "@/p.yaml:4:1: min_rsa_bits: unknown key (did you mean 'algorithms.min_rsa_bits'?)", SB_R_INPUT_MALFORMED },
    { "unknown key far from any", BASE "colour: blue\n",
      "@/p.yaml:4:1: colour: unknown key; expected one of jurisdiction, description, trust_anchors, intermediates, "
      "algorithms, certificate, revocation, time, sm2, xml", SB_R_INPUT_MALFORMED },
    { "missing jurisdiction", "trust_anchors:\n  - file: pki/hk/root.pem\n",
      "@/p.yaml:1:1: jurisdiction: required key is missing (expected an id such as hk)", SB_R_INPUT_MALFORMED },
    { "missing trust_anchors", "jurisdiction: hk\ndescription: x\n",
      "@/p.yaml:1:1: trust_anchors: required key is missing (expected a list of {file: PATH})", SB_R_INPUT_MALFORMED },
    { "empty file", "",
      "@/p.yaml:1:1: the file is empty; expected a mapping with at least jurisdiction and trust_anchors",
      SB_R_INPUT_MALFORMED },
    { "comments only", "# nothing here\n\n",
      "@/p.yaml:1:1: the file is empty; expected a mapping with at least jurisdiction and trust_anchors",
      SB_R_INPUT_MALFORMED },
    { "top level is a list", "- jurisdiction: hk\n",
      "@/p.yaml:1:1: expected a mapping (key: value lines) at the top level, got a list", SB_R_INPUT_MALFORMED },
    { "jurisdiction is a number", "jurisdiction: 852\ntrust_anchors:\n  - file: pki/hk/root.pem\n",
      "@/p.yaml:1:15: jurisdiction: expected a string, got integer 852 (put it in quotes if it is meant as text)",
      SB_R_INPUT_MALFORMED },
    { "jurisdiction is a YAML 1.1 boolean", "jurisdiction: no\ntrust_anchors:\n  - file: pki/hk/root.pem\n",
      "@/p.yaml:1:15: jurisdiction: expected a string, got boolean no (put it in quotes if it is meant as text)",
      SB_R_INPUT_MALFORMED },
    { "jurisdiction not an id", "jurisdiction: Hong Kong\ntrust_anchors:\n  - file: pki/hk/root.pem\n",
      "@/p.yaml:1:15: jurisdiction: expected an id of a lowercase letter then up to 31 lowercase letters, digits, "
      "'-' or '_' (such as hk), got 'Hong Kong'", SB_R_INPUT_MALFORMED },
    { "duplicate key", BASE "jurisdiction: mo\n",
      "@/p.yaml:4:1: jurisdiction: duplicate key (first at line 1, column 1)", SB_R_INPUT_MALFORMED },
    { "description is null", BASE "description:\n",
      "@/p.yaml:4:13: description: expected a string, got nothing (null)", SB_R_INPUT_MALFORMED },
    { "trust_anchors empty", "jurisdiction: hk\ntrust_anchors: []\n",
      "@/p.yaml:2:16: trust_anchors: expected at least one trust anchor (- file: anchors/root.pem)",
      SB_R_INPUT_MALFORMED },
    { "trust_anchors is a mapping", "jurisdiction: hk\ntrust_anchors:\n  file: pki/hk/root.pem\n",
      "@/p.yaml:3:3: trust_anchors: expected a list of {file: PATH}, got a mapping", SB_R_INPUT_MALFORMED },
    { "anchor entry is a bare file name", "jurisdiction: hk\ntrust_anchors:\n  - pki/hk/root.pem\n",
      "@/p.yaml:3:5: trust_anchors[0]: expected a mapping such as {file: anchors/root.pem}, got a bare value "
      "(write '- file: PATH')", SB_R_INPUT_MALFORMED },
    { "anchor entry key typo", "jurisdiction: hk\ntrust_anchors:\n  - fiel: pki/hk/root.pem\n",
      "@/p.yaml:3:5: trust_anchors[0].fiel: unknown key (did you mean 'file'?)", SB_R_INPUT_MALFORMED },
    { "anchor file missing", "jurisdiction: hk\ntrust_anchors:\n  - file: pki/hk/nope.pem\n",
      "@/p.yaml:3:11: trust_anchors[0].file: cannot read 'pki/hk/nope.pem' (resolved to @/pki/hk/nope.pem): No such "
      "file or directory", SB_R_INPUT_MALFORMED },
    { "anchor file is a directory", "jurisdiction: hk\ntrust_anchors:\n  - file: pki/hk\n",
      "@/p.yaml:3:11: trust_anchors[0].file: cannot read 'pki/hk' (resolved to @/pki/hk): not a regular file",
      SB_R_INPUT_MALFORMED },
    { "anchor file is not a certificate", "jurisdiction: hk\ntrust_anchors:\n  - file: notcert.txt\n",
      "@/p.yaml:3:11: trust_anchors[0].file: not a certificate file: notcert.txt: not PEM or DER (byte 0 is 0x68, "
      "not a SEQUENCE)", SB_R_INPUT_MALFORMED },
    { "anchor file is a private key", "jurisdiction: hk\ntrust_anchors:\n  - file: pki/hk/root.key\n",
      "@/p.yaml:3:11: trust_anchors[0].file: not a certificate file: pki/hk/root.key: PEM input holds no "
      "certificate", SB_R_INPUT_MALFORMED },
    { "anchor expired", "jurisdiction: hk\ntrust_anchors:\n  - file: pki/hk/leaf-expired.pem\n",
      "@/p.yaml:3:11: trust_anchors[0].file: anchor CN=CHAN Tai Man (test\\, expired),OU=e-Cert (Personal),"
      "O=Hongkong Post (test),C=HK expired on 2023-06-01T00:00:00Z; remove it or replace the file",
      SB_R_INPUT_MALFORMED },
    { "anchor listed twice", BASE "  - file: pki/hk/root.pem\n",
      "@/p.yaml:4:11: trust_anchors[1].file: anchor CN=Hongkong Post Test Root CA 3,O=Hongkong Post (test),C=HK is "
      "already listed (line 3, column 11)", SB_R_INPUT_MALFORMED },
    { "trusted list without its signer", BASE "  - trusted_list: tl/hk.xml\n",
      "@/p.yaml:4:5: trust_anchors[1].signer: required key is missing (the trusted list signer's certificate "
      "file: a list is only trusted under a configured signer)", SB_R_INPUT_MALFORMED },
    { "trusted list file missing", BASE "  - trusted_list: tl/none.xml\n    signer: pki/mo/int.pem\n",
      "@/p.yaml:4:19: trust_anchors[1].trusted_list: cannot read 'tl/none.xml' (resolved to @/tl/none.xml): No such file or directory",
      SB_R_INPUT_MALFORMED },
    { "intermediates not a list", BASE "intermediates: pki/hk/int.pem\n",
      "@/p.yaml:4:16: intermediates: expected a list of certificate files, got string 'pki/hk/int.pem'",
      SB_R_INPUT_MALFORMED },
    { "intermediate missing", BASE "intermediates: [pki/hk/gone.pem]\n",
      "@/p.yaml:4:17: intermediates[0]: cannot read 'pki/hk/gone.pem' (resolved to @/pki/hk/gone.pem): No such file "
      "or directory", SB_R_INPUT_MALFORMED },
    { "unknown algorithm with a hint", BASE "algorithms:\n  signature: [rsa-pkcs1-sha265]\n",
      "@/p.yaml:5:15: algorithms.signature[0]: unknown signature algorithm 'rsa-pkcs1-sha265' (did you mean "
      "'rsa-pkcs1-sha256'?)", SB_R_INPUT_MALFORMED },
    { "unknown algorithm", BASE "algorithms:\n  signature: [md5]\n",
      "@/p.yaml:5:15: algorithms.signature[0]: unknown signature algorithm 'md5'; expected one of rsa-pkcs1-sha256, "
      "rsa-pkcs1-sha384, rsa-pkcs1-sha512, rsa-pss-sha256, rsa-pss-sha384, rsa-pss-sha512, ecdsa-sha256, "
      "ecdsa-sha384, ecdsa-sha512, sm2-sm3, ed25519, ed448, rsa-pkcs1-sha1, ecdsa-sha1", SB_R_INPUT_MALFORMED },
    { "empty algorithm list", BASE "algorithms:\n  signature: []\n",
      "@/p.yaml:5:14: algorithms.signature: expected at least one algorithm (remove the key for the built-in list)",
      SB_R_INPUT_MALFORMED },
    { "duplicate algorithm", BASE "algorithms:\n  signature: [sm2-sm3, sm2-sm3]\n",
      "@/p.yaml:5:24: algorithms.signature[1]: duplicate entry 'sm2-sm3' (first at line 5, column 15)",
      SB_R_INPUT_MALFORMED },
    { "min_rsa_bits too small", BASE "algorithms:\n  min_rsa_bits: 512\n",
      "@/p.yaml:5:17: algorithms.min_rsa_bits: expected an integer from 1024 to 16384, got integer 512",
      SB_R_INPUT_MALFORMED },
    { "min_rsa_bits quoted", BASE "algorithms:\n  min_rsa_bits: \"2048\"\n",
      "@/p.yaml:5:17: algorithms.min_rsa_bits: expected an integer from 1024 to 16384, got string '2048'",
      SB_R_INPUT_MALFORMED },
    { "algorithms is a list", BASE "algorithms: [sm2-sm3]\n",
      "@/p.yaml:4:13: algorithms: expected a mapping with signature and min_rsa_bits, got a list",
      SB_R_INPUT_MALFORMED },
    { "policy OID with an empty arc", BASE "certificate:\n  policy_oids: [\"2.16..344\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '2.16..344' is not an OID or OID prefix (such as 2.16.344.8.*): "
      "empty arc", SB_R_INPUT_MALFORMED },
    { "policy OID with '*' inside", BASE "certificate:\n  policy_oids: [\"2.16.*.1\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '2.16.*.1' is not an OID or OID prefix (such as 2.16.344.8.*): "
      "'*' may only stand for the last arc, after a dot (such as 2.16.344.*)", SB_R_INPUT_MALFORMED },
    { "policy OID lone '*'", BASE "certificate:\n  policy_oids: [\"*\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '*' is not an OID or OID prefix (such as 2.16.344.8.*): a lone "
      "'*' would match every policy; list the policy arcs you accept", SB_R_INPUT_MALFORMED },
    { "policy OID that YAML reads as a number", BASE "certificate:\n  policy_oids: [1.2]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: expected a string, got number 1.2 (put it in quotes if it is "
      "meant as text)", SB_R_INPUT_MALFORMED },
    { "policy OID with a leading zero", BASE "certificate:\n  policy_oids: [\"2.016.344\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '2.016.344' is not an OID or OID prefix (such as 2.16.344.8.*): "
      "an arc has a leading zero", SB_R_INPUT_MALFORMED },
    { "policy OID first arc 3", BASE "certificate:\n  policy_oids: [\"3.1.2\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '3.1.2' is not an OID or OID prefix (such as 2.16.344.8.*): the "
      "first arc is 0, 1 or 2 (and the second at most 39 under 0 and 1)", SB_R_INPUT_MALFORMED },
    { "policy OID with letters", BASE "certificate:\n  policy_oids: [\"2.16.hk\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '2.16.hk' is not an OID or OID prefix (such as 2.16.344.8.*): arcs "
      "are decimal numbers separated by dots", SB_R_INPUT_MALFORMED },
    { "policy OID prefix too short", BASE "certificate:\n  policy_oids: [\"2.*\"]\n",
      "@/p.yaml:5:17: certificate.policy_oids[0]: '2.*' is not an OID or OID prefix (such as 2.16.344.8.*): an OID "
      "prefix needs at least two arcs before '*'", SB_R_INPUT_MALFORMED },
    { "policy_oids not a list", BASE "certificate:\n  policy_oids: 2.16.344.*\n",
      "@/p.yaml:5:16: certificate.policy_oids: expected a list of OIDs or OID prefixes, got string '2.16.344.*'",
      SB_R_INPUT_MALFORMED },
    { "policy_oids empty", BASE "certificate:\n  policy_oids: []\n",
      "@/p.yaml:5:16: certificate.policy_oids: expected at least one OID or OID prefix (remove the key to require "
      "none)", SB_R_INPUT_MALFORMED },
    { "duplicate policy OID", BASE "certificate:\n  policy_oids: [\"1.2.3\", \"1.2.3\"]\n",
      "@/p.yaml:5:26: certificate.policy_oids[1]: duplicate entry '1.2.3' (first at line 5, column 17)",
      SB_R_INPUT_MALFORMED },
    { "require_explicit_policy yes", BASE "certificate:\n  require_explicit_policy: yes\n",
      "@/p.yaml:5:28: certificate.require_explicit_policy: expected true or false, got boolean yes",
      SB_R_INPUT_MALFORMED },
    { "unknown key usage", BASE "certificate:\n  key_usage: [digitalSignatur]\n",
      "@/p.yaml:5:15: certificate.key_usage[0]: unknown key usage 'digitalSignatur' (did you mean "
      "'digitalSignature'?)", SB_R_INPUT_MALFORMED },
    { "key usage alternatives malformed", BASE "certificate:\n  key_usage: [\"digitalSignature||nonRepudiation\"]\n",
      "@/p.yaml:5:15: certificate.key_usage[0]: expected key usage names separated by '|', got "
      "'digitalSignature||nonRepudiation'", SB_R_INPUT_MALFORMED },
    { "max_chain_length 0", BASE "certificate:\n  max_chain_length: 0\n",
      "@/p.yaml:5:21: certificate.max_chain_length: expected an integer from 1 to 32, got integer 0",
      SB_R_INPUT_MALFORMED },
    { "max_chain_length too large", BASE "certificate:\n  max_chain_length: 99\n",
      "@/p.yaml:5:21: certificate.max_chain_length: expected an integer from 1 to 32, got integer 99",
      SB_R_INPUT_MALFORMED },
    { "unknown assurance level", BASE "certificate:\n  assurance_levels:\n    medium: [\"1.2.3.*\"]\n",
      "@/p.yaml:6:5: certificate.assurance_levels.medium: unknown key; expected one of low, substantial, high",
      SB_R_INPUT_MALFORMED },
    { "certificate section is a string", BASE "certificate: strict\n",
      "@/p.yaml:4:14: certificate: expected a mapping with policy_oids, key_usage, max_chain_length..., got string "
      "'strict'", SB_R_INPUT_MALFORMED },
    { "revocation without mode", BASE "revocation:\n  crl: []\n",
      "@/p.yaml:5:3: revocation.mode: required key is missing (expected require, prefer or off)",
      SB_R_INPUT_MALFORMED },
    { "revocation mode unknown", BASE "revocation: { mode: strict }\n",
      "@/p.yaml:4:21: revocation.mode: expected one of require, prefer, off, got 'strict'", SB_R_INPUT_MALFORMED },
    { "revocation mode typo", BASE "revocation: { mode: requre }\n",
      "@/p.yaml:4:21: revocation.mode: expected one of require, prefer, off, got 'requre' (did you mean 'require'?)",
      SB_R_INPUT_MALFORMED },
    { "revocation mode is a boolean", BASE "revocation: { mode: false }\n",
      "@/p.yaml:4:21: revocation.mode: expected one of require, prefer, off, got 'false'", SB_R_INPUT_MALFORMED },
    { "CRL file holds a certificate", BASE "revocation:\n  mode: prefer\n  crl: [pki/hk/int.pem]\n",
      "@/p.yaml:6:9: revocation.crl[0]: not a CRL file: @/pki/hk/int.pem: PEM input holds no CRL",
      SB_R_INPUT_MALFORMED },
    { "CRL file missing", BASE "revocation:\n  mode: prefer\n  crl: [pki/hk/none.crl]\n",
      "@/p.yaml:6:9: revocation.crl[0]: cannot read 'pki/hk/none.crl' (resolved to @/pki/hk/none.crl): No such file "
      "or directory", SB_R_INPUT_MALFORMED },
    { "revocation.sources unknown value", BASE "revocation:\n  mode: require\n  sources: [embedded, crls]\n",
      "@/p.yaml:6:23: revocation.sources[1]: expected one of embedded, ocsp, crl, files, got 'crls' (did you mean "
      "'crl'?)", SB_R_INPUT_MALFORMED },
    { "ocsp source without an allow-list", BASE "revocation:\n  mode: require\n  sources: [embedded, ocsp]\n",
      "@/p.yaml:6:12: revocation.sources: ocsp (asking the OCSP responders) needs a non-empty "
      "revocation.fetch.allow: the URL prefixes that may be fetched", SB_R_INPUT_MALFORMED },
    { "revocation.sources twice", BASE "revocation:\n  mode: prefer\n  sources: [files, embedded, files]\n",
      "@/p.yaml:6:30: revocation.sources[2]: files is listed twice", SB_R_INPUT_MALFORMED },
    { "revocation.sources empty", BASE "revocation:\n  mode: prefer\n  sources: []\n",
      "@/p.yaml:6:12: revocation.sources: an empty list would check nothing; list at least one of embedded, ocsp, "
      "crl, files (or set revocation.mode: off)", SB_R_INPUT_MALFORMED },
    { "revocation.sources is a string", BASE "revocation:\n  mode: prefer\n  sources: crl\n",
      "@/p.yaml:6:12: revocation.sources: expected a list of embedded, ocsp, crl, files (in order), got string "
      "'crl'",
      SB_R_INPUT_MALFORMED },
    { "crl source without an allow-list", BASE "revocation:\n  mode: require\n  sources: [crl]\n",
      "@/p.yaml:6:12: revocation.sources: crl (fetching CRL distribution points) needs a non-empty "
      "revocation.fetch.allow: the URL prefixes that may be fetched", SB_R_INPUT_MALFORMED },
    { "crl source with an empty allow-list",
      BASE "revocation:\n  mode: require\n  sources: [crl]\n  fetch: { allow: [] }\n",
      "@/p.yaml:6:12: revocation.sources: crl (fetching CRL distribution points) needs a non-empty "
      "revocation.fetch.allow: the URL prefixes that may be fetched", SB_R_INPUT_MALFORMED },
    { "CRL files without files in sources",
      BASE "revocation:\n  mode: prefer\n  sources: [embedded]\n  crl: [pki/hk/int.crl]\n",
      "@/p.yaml:7:8: revocation.crl: CRL files are listed but revocation.sources does not include files",
      SB_R_INPUT_MALFORMED },
    { "allow-list with an ldap URL",
      BASE "revocation:\n  mode: prefer\n  fetch:\n    allow: [\"ldap://ldap.example/\"]\n",
      "@/p.yaml:7:13: revocation.fetch.allow[0]: 'ldap://ldap.example/': not an http:// or https:// URL prefix "
      "(ldap:, file: and other schemes are never fetched)", SB_R_INPUT_MALFORMED },
    { "allow-list with userinfo",
      BASE "revocation:\n  mode: prefer\n  fetch:\n    allow: [\"http://user@crl.example/\"]\n",
      "@/p.yaml:7:13: revocation.fetch.allow[0]: 'http://user@crl.example/': a URL prefix has no userinfo "
      "(user@host)", SB_R_INPUT_MALFORMED },
    { "allow-list without a host", BASE "revocation:\n  mode: prefer\n  fetch:\n    allow: [\"http:///crl\"]\n",
      "@/p.yaml:7:13: revocation.fetch.allow[0]: 'http:///crl': the prefix has no host", SB_R_INPUT_MALFORMED },
    { "allow-list with a query",
      BASE "revocation:\n  mode: prefer\n  fetch:\n    allow: [\"http://crl.example/x?y=1\"]\n",
      "@/p.yaml:7:13: revocation.fetch.allow[0]: 'http://crl.example/x?y=1': a URL prefix has no query or fragment",
      SB_R_INPUT_MALFORMED },
    { "fetch.timeout_ms too small", BASE "revocation:\n  mode: prefer\n  fetch: { timeout_ms: 50 }\n",
      "@/p.yaml:6:24: revocation.fetch.timeout_ms: expected an integer from 100 to 30000, got integer 50",
      SB_R_INPUT_MALFORMED },
    { "fetch.timeout_ms too large", BASE "revocation:\n  mode: prefer\n  fetch: { timeout_ms: 60000 }\n",
      "@/p.yaml:6:24: revocation.fetch.timeout_ms: expected an integer from 100 to 30000, got integer 60000",
      SB_R_INPUT_MALFORMED },
    { "fetch.max_bytes too large", BASE "revocation:\n  mode: prefer\n  fetch: { max_bytes: 1GiB }\n",
      "@/p.yaml:6:23: revocation.fetch.max_bytes: 1GiB is out of range (1024 to 268435456 bytes)",
      SB_R_INPUT_MALFORMED },
    { "fetch key typo", BASE "revocation:\n  mode: prefer\n  fetch: { alow: [\"http://crl.example/\"] }\n",
      "@/p.yaml:6:12: revocation.fetch.alow: unknown key (did you mean 'allow'?)", SB_R_INPUT_MALFORMED },
    { "max_age_s negative", BASE "revocation:\n  mode: prefer\n  max_age_s: -1\n",
      "@/p.yaml:6:14: revocation.max_age_s: expected an integer from 0 to 2678400, got integer -1",
      SB_R_INPUT_MALFORMED },
    { "validate_at unknown", BASE "time:\n  validate_at: signing\n",
      "@/p.yaml:5:16: time.validate_at: expected one of now, signing_time, got 'signing'", SB_R_INPUT_MALFORMED },
    { "negative clock skew", BASE "time:\n  max_clock_skew_s: -5\n",
      "@/p.yaml:5:21: time.max_clock_skew_s: expected an integer from 0 to 86400, got integer -5",
      SB_R_INPUT_MALFORMED },
    { "SM2 ID unquoted", BASE "sm2:\n  default_id: 1234567812345678\n",
      "@/p.yaml:5:15: sm2.default_id: expected a string, got integer 1234567812345678 (put it in quotes if it is "
      "meant as text)", SB_R_INPUT_MALFORMED },
    { "xml.require_full_coverage not a boolean", BASE "xml:\n  require_full_coverage: sometimes\n",
      "@/p.yaml:5:26: xml.require_full_coverage: expected true or false, got string 'sometimes'", SB_R_INPUT_MALFORMED },
    { "sm2 section is a list", BASE "sm2: [\"1234567812345678\"]\n",
      "@/p.yaml:4:6: sm2: expected a mapping with default_id, got a list", SB_R_INPUT_MALFORMED },
    { "YAML anchor", BASE "description: &d Hong Kong\n",
      "@/p.yaml:4:14: YAML anchors (&d) are not allowed in policy files; write the value out", SB_R_INPUT_MALFORMED },
    { "YAML alias", BASE "description: *d\n",
      "@/p.yaml:4:14: YAML aliases (*d) are not allowed in policy files; write the value out", SB_R_INPUT_MALFORMED },
    { "YAML tag", BASE "description: !!str Hong Kong\n",
      "@/p.yaml:4:14: YAML tags (tag:yaml.org,2002:str) are not allowed in policy files", SB_R_INPUT_MALFORMED },
    { "YAML syntax error", BASE "certificate:\n  policy_oids: [\"1.2.3\"\n",
      "@/p.yaml:6:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 5, "
      "column 16)", SB_R_INPUT_MALFORMED },
    { "tab indentation", BASE "certificate:\n\tmax_chain_length: 3\n",
      "@/p.yaml:5:1: YAML syntax error: found character that cannot start any token (while scanning for the next "
      "token at line 5, column 1)", SB_R_INPUT_MALFORMED },
    { "second YAML document", BASE "---\njurisdiction: mo\n",
      "@/p.yaml:4:1: a second YAML document ('---'); a policy file holds exactly one", SB_R_INPUT_MALFORMED },
    { "invalid UTF-8", BASE "description: Hong \xff Kong\n",
      "@/p.yaml:4:19: not valid UTF-8 YAML text: invalid leading UTF-8 octet (byte 0xff)", SB_R_INPUT_MALFORMED },
    { "control character in a string", BASE "description: \"Hong\\eKong\"\n",
      "@/p.yaml:4:14: description: expected a string without control characters", SB_R_INPUT_MALFORMED },
    { "complex key", BASE "? [a, b]\n: c\n",
      "@/p.yaml:4:3: keys must be plain names, got a list as a key", SB_R_INPUT_MALFORMED },
};

struct fx {
    struct tpf t;
};

static int group_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL || tpf_setup(&f->t) != 0) {
        free(f);
        return -1;
    }
    tpf_write_str(&f->t, "notcert.txt", "hello\n");
    tpf_copy_shipped(&f->t, "hk.yaml");
    tpf_copy_shipped(&f->t, "cn.yaml");
    tpf_copy_shipped(&f->t, "mo.yaml");
    tpf_copy_shipped(&f->t, "recognition.yaml");
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;

    tpf_teardown(&f->t);
    free(f);
    return 0;
}

/* Write yaml to DIR/name and load it. */
static enum sb_reason load_text(struct fx *f, const char *name, const char *yaml, struct sb_diag *d,
                                struct sb_trust_policy **pol, struct sb_err *err)
{
    char path[PATH_MAX];

    tpf_write_str(&f->t, name, yaml);
    tpf_path(&f->t, name, path, sizeof(path));
    sb_diag_init(d);
    sb_err_clear(err);
    return sb_trust_policy_load(path, d, pol, err);
}

/* Load yaml as DIR/name; it must load. */
static struct sb_trust_policy *load_ok(struct fx *f, const char *name, const char *yaml)
{
    struct sb_trust_policy *pol = NULL;
    struct sb_diag d;
    struct sb_err err;
    enum sb_reason rc = load_text(f, name, yaml, &d, &pol, &err);

    if (rc != SB_OK) {
        print_error("unexpected load failure: %s\n", err.msg);
    }
    assert_int_equal(rc, SB_OK);
    assert_int_equal(d.n, 0);
    sb_diag_clear(&d);
    return pol;
}

/* ---- loader strictness ------------------------------------------------------------------------- */

static void test_trust_policy_load_broken_files(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol;
    struct sb_diag d;
    struct sb_err err;
    char got[2048], file[PATH_MAX];
    size_t i, j, bad = 0, n = sizeof(bad_cases) / sizeof(bad_cases[0]);
    enum sb_reason rc;

    assert_true(n >= 40);
    tpf_path(&f->t, "p.yaml", file, sizeof(file));
    for (i = 0; i < n; i++) {
        pol = NULL;
        rc = load_text(f, "p.yaml", bad_cases[i].yaml, &d, &pol, &err);
        tpf_norm(&f->t, d.n > 0 ? d.msgs[0] : "(no message)", got, sizeof(got));
        if (rc != bad_cases[i].rc || pol != NULL || d.n == 0 || strcmp(got, bad_cases[i].expect) != 0 ||
            strcmp(err.msg, d.msgs[0]) != 0) {
            print_error("case %zu '%s': rc %s\n  expected: %s\n  got:      %s\n", i, bad_cases[i].name,
                        sb_reason_name(rc), bad_cases[i].expect, got);
            bad++;
        }
        for (j = 0; j < d.n; j++) {
            if (!tpf_located(d.msgs[j], file)) {
                print_error("case %zu '%s': message %zu not located: %s\n", i, bad_cases[i].name, j, d.msgs[j]);
                bad++;
            }
        }
        sb_trust_policy_free(pol);
        sb_diag_clear(&d);
    }
    assert_int_equal(bad, 0);
}

static void test_trust_policy_load_collects_all_errors(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = NULL;
    struct sb_diag d;
    struct sb_err err;
    char got[1024];

    assert_int_equal(load_text(f, "three.yaml",
                               "jurisdiction: HK\n"
                               "trust_anchors:\n  - file: pki/hk/missing.pem\n"
                               "certificate:\n  max_chain_length: 40\n",
                               &d, &pol, &err),
                     SB_R_INPUT_MALFORMED);
    assert_null(pol);
    assert_int_equal(d.n, 3);
    tpf_norm(&f->t, d.msgs[0], got, sizeof(got));
    assert_true(strncmp(got, "@/three.yaml:1:15: jurisdiction:", 32) == 0);
    tpf_norm(&f->t, d.msgs[1], got, sizeof(got));
    assert_true(strncmp(got, "@/three.yaml:3:11: trust_anchors[0].file: cannot read", 53) == 0);
    tpf_norm(&f->t, d.msgs[2], got, sizeof(got));
    assert_string_equal(got, "@/three.yaml:5:21: certificate.max_chain_length: expected an integer from 1 to 32, got "
                             "integer 40");
    sb_diag_clear(&d);
}

static void test_trust_policy_load_caps_errors(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = NULL;
    struct sb_diag d;
    struct sb_err err;
    char yaml[4096], got[512];
    size_t o, i;

    o = (size_t)snprintf(yaml, sizeof(yaml), "%scertificate:\n  policy_oids:\n", BASE);
    for (i = 0; i < 30; i++) {
        o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "    - \"9.%zu\"\n", i);
    }
    assert_int_equal(load_text(f, "many.yaml", yaml, &d, &pol, &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(d.n, SB_TP_MAX_ERRORS + 1);
    tpf_norm(&f->t, d.msgs[SB_TP_MAX_ERRORS], got, sizeof(got));
    assert_string_equal(got, "@/many.yaml: more errors follow; only the first 20 are shown");
    sb_diag_clear(&d);
}

static void test_trust_policy_load_unreadable(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = NULL;
    struct sb_diag d;
    struct sb_err err;
    char path[PATH_MAX], got[512];

    tpf_path(&f->t, "absent.yaml", path, sizeof(path));
    sb_diag_init(&d);
    assert_int_equal(sb_trust_policy_load(path, &d, &pol, &err), SB_R_INPUT_UNREADABLE);
    assert_int_equal(d.n, 1);
    tpf_norm(&f->t, d.msgs[0], got, sizeof(got));
    assert_string_equal(got, "@/absent.yaml: cannot read: No such file or directory");
    sb_diag_clear(&d);
}

static void test_trust_policy_load_full_and_relative(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol;
    char path[PATH_MAX];

    /* relative names resolve against the policy file's directory, wherever the process runs */
    pol = load_ok(f, "sub/hk.yaml",
                  "jurisdiction: hk\n"
                  "description: \"Hong Kong: test\"\n"
                  "trust_anchors:\n  - file: ../pki/hk/root.pem\n"
                  "intermediates: [../pki/hk/int.pem]\n"
                  "algorithms: { signature: [rsa-pkcs1-sha256, sm2-sm3], min_rsa_bits: 3072 }\n"
                  "certificate:\n"
                  "  policy_oids: [\"2.16.344.8.2.2008.810.2.*\", \"1.2.3\"]\n"
                  "  require_explicit_policy: true\n"
                  "  key_usage: [digitalSignature|nonRepudiation, keyAgreement]\n"
                  "  max_chain_length: 3\n"
                  "  assurance_levels: { high: [\"1.2.3\"], low: [] }\n"
                  "revocation: { mode: require, crl: [../pki/hk/int.crl, ../pki/hk/root.crl] }\n"
                  "time: { validate_at: signing_time, max_clock_skew_s: 60 }\n"
                  "sm2: { default_id: \"ALICE123@YAHOO.COM\" }\n"
                  "xml: { require_full_coverage: true }\n");
    tpf_path(&f->t, "sub/hk.yaml", path, sizeof(path));
    assert_string_equal(pol->file, path);
    assert_string_equal(pol->id, "hk");
    assert_string_equal(pol->description, "Hong Kong: test");
    assert_int_equal(pol->id_line, 1);
    assert_int_equal(pol->id_col, 15);
    assert_int_equal(sk_X509_num(pol->anchors), 1);
    assert_string_equal(pol->anchor_src[0].file, "../pki/hk/root.pem");
    assert_int_equal(pol->anchor_src[0].line, 4);
    assert_int_equal(sk_X509_num(pol->intermediates), 1);
    assert_int_equal(pol->sig_allow, SB_SIGALG_RSA_PKCS1_SHA256 | SB_SIGALG_SM2_SM3);
    assert_int_equal(pol->min_rsa_bits, 3072);
    assert_int_equal(pol->policy_oids.n, 2);
    assert_int_equal(pol->policy_oids.v[0].prefix_len, strlen("2.16.344.8.2.2008.810.2."));
    assert_int_equal(pol->policy_oids.v[1].prefix_len, 0);
    assert_int_equal(pol->require_explicit_policy, 1);
    assert_int_equal(pol->key_usage_any, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_AGREEMENT);
    assert_int_equal(pol->max_chain_length, 3);
    assert_int_equal(pol->levels[SB_TP_LEVEL_HIGH].n, 1);
    assert_int_equal(pol->levels[SB_TP_LEVEL_LOW].n, 0);
    assert_int_equal(pol->revocation, SB_REV_REQUIRE);
    assert_int_equal(sk_X509_CRL_num(pol->crls), 2);
    assert_int_equal(pol->validate_at, SB_TP_AT_SIGNING_TIME);
    assert_int_equal(pol->max_clock_skew_s, 60);
    assert_string_equal(pol->sm2_default_id, "ALICE123@YAHOO.COM");
    assert_int_equal(pol->xml_require_full_coverage, 1);
    sb_trust_policy_free(pol);

    /* live revocation keys */
    pol = load_ok(f, "rev.yaml",
                  BASE "revocation:\n"
                  "  mode: require\n"
                  "  sources: [embedded, crl, files]\n"
                  "  crl: [pki/hk/int.crl]\n"
                  "  fetch:\n"
                  "    allow: [\"http://crl.example.hk/\", \"HTTPS://CRL2.example.hk:8443/ca/\"]\n"
                  "    timeout_ms: 1500\n"
                  "    max_bytes: 2MiB\n"
                  "  max_age_s: 86400\n");
    assert_int_equal(pol->rev_sources, SB_TP_SRC_EMBEDDED | SB_TP_SRC_CRL | SB_TP_SRC_FILES);
    assert_int_equal(pol->fetch.n_allow, 2);
    assert_string_equal(pol->fetch.allow[0], "http://crl.example.hk/");
    assert_string_equal(pol->fetch.allow[1], "HTTPS://CRL2.example.hk:8443/ca/");
    assert_int_equal(pol->fetch.timeout_ms, 1500);
    assert_true(pol->fetch.max_bytes == 2LL << 20);
    assert_int_equal(pol->fetch.max_age_s, 86400);
    assert_int_equal(sk_X509_CRL_num(pol->crls), 1);
    sb_trust_policy_free(pol);
    /* an allow-list without crl in the sources is accepted (kept for when crl is added) */
    pol = load_ok(f, "rev2.yaml", BASE "revocation:\n  mode: prefer\n  sources: [files]\n"
                                  "  fetch: { allow: [\"http://crl.example.hk/\"] }\n");
    assert_int_equal(pol->rev_sources, SB_TP_SRC_FILES);
    assert_int_equal(pol->fetch.n_allow, 1);
    sb_trust_policy_free(pol);

    /* defaults */
    pol = load_ok(f, "min.yaml", BASE);
    assert_string_equal(pol->description, "");
    assert_int_equal(pol->sig_allow, 0);
    assert_int_equal(pol->min_rsa_bits, 2048);
    assert_int_equal(pol->policy_oids.n, 0);
    assert_int_equal(pol->key_usage_any, 0);
    assert_int_equal(pol->max_chain_length, 0);
    assert_int_equal(pol->revocation, SB_REV_PREFER);
    assert_int_equal(pol->validate_at, SB_TP_AT_NOW);
    assert_int_equal(pol->max_clock_skew_s, 300);
    assert_string_equal(pol->sm2_default_id, "1234567812345678");
    assert_int_equal(pol->xml_require_full_coverage, 0);
    assert_int_equal(pol->rev_sources, SB_TP_SRC_EMBEDDED | SB_TP_SRC_FILES);
    assert_int_equal(pol->fetch.n_allow, 0);
    assert_null(pol->fetch.allow);
    assert_int_equal(pol->fetch.timeout_ms, 2000);
    assert_true(pol->fetch.max_bytes == 10LL << 20);
    assert_int_equal(pol->fetch.max_age_s, 0);
    sb_trust_policy_free(pol);
}

static void test_trust_policy_oid_patterns(void **state)
{
    struct sb_tp_oid_pattern pats[2] = { { (char *)"2.16.344.*", 9 }, { (char *)"1.2.3", 0 } };
    struct sb_tp_oid_list l = { pats, 2 };
    size_t plen;
    const char *why;

    (void)state;
    assert_ptr_equal(sb_tp_oid_match(&l, "2.16.344.8"), &pats[0]);
    assert_ptr_equal(sb_tp_oid_match(&l, "2.16.344.8.2.2008.810.2.2012.1.0"), &pats[0]);
    assert_null(sb_tp_oid_match(&l, "2.16.344"));      /* the arc itself is not below the arc */
    assert_null(sb_tp_oid_match(&l, "2.16.3440.1"));   /* arcs compare whole */
    assert_ptr_equal(sb_tp_oid_match(&l, "1.2.3"), &pats[1]);
    assert_null(sb_tp_oid_match(&l, "1.2.3.4"));       /* exact means exact */
    assert_true(sb_tp_oid_pattern_check("0.9.2342", 0, &plen, &why));
    assert_true(sb_tp_oid_pattern_check("1.39.0", 0, &plen, &why));
    assert_false(sb_tp_oid_pattern_check("1.40", 0, &plen, &why));
    assert_false(sb_tp_oid_pattern_check("1.2.*", 0, &plen, &why));
    assert_false(sb_tp_oid_pattern_check("1.2.", 1, &plen, &why));
    assert_false(sb_tp_oid_pattern_check(".1.2", 1, &plen, &why));
    assert_false(sb_tp_oid_pattern_check("1.2.**", 1, &plen, &why));
    assert_true(sb_tp_oid_pattern_check("2.16.344.*", 1, &plen, &why));
    assert_int_equal(plen, 9);
}

/* ---- mutations of the shipped policies --------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Apply one random mutation to buf (len bytes, capacity cap): flip, delete, duplicate a line, insert. */
static size_t mutate(uint64_t *s, char *buf, size_t len, size_t cap)
{
    static const char tokens[] = ":-[]{}&*!#'\"\n\t |>?,%@`.";
    size_t pos = len > 0 ? (size_t)(rnd(s) % len) : 0, n, ls, le;

    switch (rnd(s) % 5) {
    case 0: /* byte flip */
        if (len > 0) {
            buf[pos] = (char)(rnd(s) & 0xff);
        }
        return len;
    case 1: /* structural character */
        if (len > 0) {
            buf[pos] = tokens[rnd(s) % (sizeof(tokens) - 1)];
        }
        return len;
    case 2: /* delete a span */
        n = 1 + (size_t)(rnd(s) % 24);
        if (pos + n > len) {
            n = len - pos;
        }
        memmove(buf + pos, buf + pos + n, len - pos - n);
        return len - n;
    case 3: /* duplicate a line (duplicated keys) */
        for (ls = pos; ls > 0 && buf[ls - 1] != '\n'; ls--) {
        }
        for (le = pos; le < len && buf[le] != '\n'; le++) {
        }
        if (le < len) {
            le++;
        }
        n = le - ls;
        if (n == 0 || len + n > cap) {
            return len;
        }
        memmove(buf + le + n, buf + le, len - le);
        memcpy(buf + le, buf + ls, n);
        return len + n;
    default: /* insert a random byte */
        if (len + 1 > cap) {
            return len;
        }
        memmove(buf + pos + 1, buf + pos, len - pos);
        buf[pos] = (char)(rnd(s) % 2 != 0 ? tokens[rnd(s) % (sizeof(tokens) - 1)] : (char)(rnd(s) & 0xff));
        return len + 1;
    }
}

static void test_trust_policy_mutations_never_crash(void **state)
{
    static const char *const names[] = { "hk.yaml", "cn.yaml", "mo.yaml", "recognition.yaml" };
    static const char *const ids[] = { "cn", "hk", "mo" };
    struct fx *f = *state;
    char *orig[4], *buf, src[PATH_MAX + 32], path[PATH_MAX];
    size_t olen[4], len, cap, i, k, m;
    uint64_t seed = 0x5b1d6e0f2a4c8e13ull;
    struct sb_diag d;
    struct sb_err err;
    struct sb_trust_policy *pol;
    struct sb_recognition *rec;
    unsigned loaded = 0, rejected = 0;
    int iters = getenv("SB_MUTATIONS") != NULL ? atoi(getenv("SB_MUTATIONS")) : 2000, it;
    enum sb_reason rc;

    for (i = 0; i < 4; i++) {
        snprintf(src, sizeof(src), "%s/policies/%s", f->t.repo, names[i]);
        assert_non_null(orig[i] = tpf_slurp(src, &olen[i]));
    }
    cap = 1u << 16;
    assert_non_null(buf = malloc(cap));
    for (it = 0; it < iters; it++) {
        /* recognition.yaml loads four private keys (about 1 ms each with OpenSSL 3.0): mutate it 1 time in 8 */
        k = rnd(&seed) % 8 == 0 ? 3 : (size_t)(rnd(&seed) % 3);
        memcpy(buf, orig[k], olen[k]);
        len = olen[k];
        for (m = 1 + (size_t)(rnd(&seed) % 3); m > 0; m--) {
            len = mutate(&seed, buf, len, cap);
        }
        snprintf(path, sizeof(path), "mut/%s", names[k]);
        tpf_write(&f->t, path, buf, len);
        tpf_path(&f->t, path, src, sizeof(src));
        sb_diag_init(&d);
        sb_err_clear(&err);
        pol = NULL;
        rec = NULL;
        if (k < 3) {
            rc = sb_trust_policy_load(src, &d, &pol, &err);
        } else {
            rc = sb_recognition_load(src, ids, 3, &d, &rec, &err);
        }
        if (rc == SB_OK) {
            loaded++;
            assert_int_equal(d.n, 0);
            assert_true(pol != NULL || rec != NULL);
        } else {
            rejected++;
            assert_int_equal(rc, SB_R_INPUT_MALFORMED);
            assert_true(d.n >= 1 && d.n <= SB_TP_MAX_ERRORS + 1);
            if (!tpf_located(d.msgs[0], src)) {
                print_error("mutation %d of %s: unlocated error: %s\n", it, names[k], d.msgs[0]);
                fail();
            }
        }
        sb_trust_policy_free(pol);
        sb_recognition_free(rec);
        sb_diag_clear(&d);
    }
    /* the mutations must exercise both outcomes */
    assert_true(loaded > 0 && rejected > (unsigned)iters / 2);
    free(buf);
    for (i = 0; i < 4; i++) {
        free(orig[i]);
    }
}

/* ---- the policy applied to real paths ---------------------------------------------------------- */

/* Validate PKI file leaf under the policy text yaml; returns the reason, err filled. */
static enum sb_reason validate_under(struct fx *f, const char *yaml, const char *leaf_name, struct sb_err *err)
{
    struct sb_trust_policy *pol = load_ok(f, "v.yaml", yaml);
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_tp_inputs in;
    X509 *leaf = tpf_cert(&f->t, leaf_name);
    enum sb_reason rc;

    assert_int_equal(sb_trust_policy_prepare(pol, NULL, NULL, time(NULL), &in, err), SB_OK);
    sb_err_clear(err);
    rc = sb_trust_policy_validate(pol, &in, leaf, &res, err);
    if (rc == SB_OK) {
        /* the post-check gives the same answer when it has to recompute the valid policy set */
        assert_int_equal(sb_trust_policy_check_path(pol, res.chain, NULL, NULL, err), SB_OK);
    }
    sb_chain_result_clear(&res);
    sb_tp_inputs_clear(&in);
    X509_free(leaf);
    sb_trust_policy_free(pol);
    return rc;
}

static void test_trust_policy_shipped_hk_accepts_leaf(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = NULL;
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_tp_policy_match m;
    struct sb_tp_inputs in;
    struct sb_diag d;
    struct sb_err err;
    char path[PATH_MAX];
    X509 *leaf = tpf_cert(&f->t, "hk/leaf.pem");

    tpf_path(&f->t, "policies/hk.yaml", path, sizeof(path));
    sb_diag_init(&d);
    assert_int_equal(sb_trust_policy_load(path, &d, &pol, &err), SB_OK);
    assert_int_equal(sb_trust_policy_prepare(pol, NULL, NULL, time(NULL), &in, &err), SB_OK);
    assert_int_equal(sb_chain_validate(&in.opts, leaf, in.anchors, in.untrusted, &res, &err), SB_OK);
    assert_int_equal(sb_trust_policy_check_path(pol, res.chain, res.policies, &m, &err), SB_OK);
    assert_string_equal(m.oid, "2.16.344.8.2.2008.810.2.2012.1.0");
    assert_string_equal(m.pattern->text, "2.16.344.8.2.2008.810.2.*");
    sb_chain_result_clear(&res);
    sb_tp_inputs_clear(&in);
    sb_trust_policy_free(pol);
    X509_free(leaf);
}

static void test_trust_policy_min_rsa_bits_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { min_rsa_bits: 2048 }\n", "hk/leaf.pem", &err), SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { min_rsa_bits: 3072 }\n", "hk/leaf.pem", &err),
                     SB_R_WEAK_KEY);
    assert_non_null(strstr(err.msg, "RSA key of 2048 bits is below the minimum of 3072"));
}

static void test_trust_policy_max_chain_length_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { max_chain_length: 3 }\n", "hk/leaf.pem", &err), SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { max_chain_length: 2 }\n", "hk/leaf.pem", &err),
                     SB_R_CHAIN_TOO_LONG);
    assert_non_null(strstr(err.msg, "hk's max_chain_length 2"));
}

static void test_trust_policy_max_chain_length_post_check(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = load_ok(f, "len.yaml", HK_CHAIN "certificate: { max_chain_length: 2 }\n");
    STACK_OF(X509) *chain = sk_X509_new_null();
    struct sb_err err;

    /* the post-check alone (as sb_cms_verify's callers use it) names the path and the key */
    sk_X509_push(chain, tpf_cert(&f->t, "hk/leaf.pem"));
    sk_X509_push(chain, tpf_cert(&f->t, "hk/int.pem"));
    sk_X509_push(chain, tpf_cert(&f->t, "hk/root.pem"));
    assert_int_equal(sb_trust_policy_check_path(pol, chain, NULL, NULL, &err), SB_R_CHAIN_TOO_LONG);
    assert_string_equal(err.msg, "path of 3 certificates (CN=CHAN Tai Man (test),OU=e-Cert (Personal),O=Hongkong Post "
                                 "(test),C=HK up to CN=Hongkong Post Test Root CA 3,O=Hongkong Post (test),C=HK) is "
                                 "longer than hk's max_chain_length 2");
    sk_X509_pop_free(chain, X509_free);
    sb_trust_policy_free(pol);
}

static void test_trust_policy_policy_oids_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { policy_oids: [\"2.16.344.8.2.2008.810.2.*\"] }\n",
                                    "hk/leaf.pem", &err),
                     SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { policy_oids: [\"2.16.344.8.2.2008.810.2.*\"] }\n",
                                    "hk/leaf-wrongpolicy.pem", &err),
                     SB_R_POLICY);
    assert_string_equal(err.msg, "certificate policy 1.2.3.4.5 of CN=CHAN Tai Man (test\\, wrong policy),OU=e-Cert "
                                 "(Personal),O=Hongkong Post (test),C=HK matches none of hk's policy_oids "
                                 "[2.16.344.8.2.2008.810.2.*]");
    /* an exact OID in the list */
    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { policy_oids: [\"1.2.3.4.5\"] }\n",
                                    "hk/leaf-wrongpolicy.pem", &err),
                     SB_OK);
    /* without policy_oids any policy is fine */
    assert_int_equal(validate_under(f, HK_CHAIN, "hk/leaf-wrongpolicy.pem", &err), SB_OK);
}

static void test_trust_policy_key_usage_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { key_usage: [nonRepudiation] }\n", "hk/leaf.pem", &err),
                     SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { key_usage: [digitalSignature|nonRepudiation] }\n",
                                    "hk/leaf-wrongku.pem", &err),
                     SB_R_KEY_USAGE);
    assert_string_equal(err.msg, "CN=CHAN Tai Man (test\\, wrong key usage),OU=e-Cert (Personal),O=Hongkong Post "
                                 "(test),C=HK keyUsage (keyEncipherment) has none of hk's key_usage [nonRepudiation, "
                                 "digitalSignature]");
    /* any-of: one listed usage is enough */
    assert_int_equal(validate_under(f, HK_CHAIN "certificate: { key_usage: [digitalSignature, keyEncipherment] }\n",
                                    "hk/leaf-wrongku.pem", &err),
                     SB_OK);
}

static void test_trust_policy_algorithms_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    /* SHA-1: refused by default, accepted only when the policy names it */
    assert_int_equal(validate_under(f, HK_CHAIN, "hk/leaf-sha1.pem", &err), SB_R_WEAK_ALGORITHM);
    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { signature: [rsa-pkcs1-sha256] }\n", "hk/leaf-sha1.pem",
                                    &err),
                     SB_R_WEAK_ALGORITHM);
    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { signature: [rsa-pkcs1-sha256, rsa-pkcs1-sha1] }\n",
                                    "hk/leaf-sha1.pem", &err),
                     SB_OK);
    /* ecdsa-sha1 is not rsa-pkcs1-sha1 */
    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { signature: [rsa-pkcs1-sha256, ecdsa-sha1] }\n",
                                    "hk/leaf-sha1.pem", &err),
                     SB_R_WEAK_ALGORITHM);
    assert_non_null(strstr(err.msg, "not in the allowed list"));
    /* an allow-list without the path's algorithm */
    assert_int_equal(validate_under(f, HK_CHAIN "algorithms: { signature: [ecdsa-sha256, sm2-sm3] }\n", "hk/leaf.pem",
                                    &err),
                     SB_R_WEAK_ALGORITHM);
    assert_non_null(strstr(err.msg, "signature algorithm sha256WithRSAEncryption is not in the allowed list"));
}

static void test_trust_policy_sm2_default_id(void **state)
{
    struct fx *f = *state;
    struct sb_err err;
    const char *cn = "jurisdiction: cn\ntrust_anchors: [{file: pki/cn/root.pem}]\nintermediates: [pki/cn/int.pem]\n"
                     "algorithms: { signature: [sm2-sm3] }\n";
    const char *alt = "jurisdiction: cn\ntrust_anchors: [{file: pki/cn-altid/root.pem}]\n"
                      "intermediates: [pki/cn-altid/int.pem]\n";
    char yaml[512];

    assert_int_equal(validate_under(f, cn, "cn/leaf.pem", &err), SB_OK);
    assert_int_equal(validate_under(f, alt, "cn-altid/leaf.pem", &err), SB_R_SIG_CRYPTO);
    assert_non_null(strstr(err.msg, "does not verify with distinguishing ID '1234567812345678'"));
    snprintf(yaml, sizeof(yaml), "%ssm2: { default_id: \"ALICE123@YAHOO.COM\" }\n", alt);
    assert_int_equal(validate_under(f, yaml, "cn-altid/leaf.pem", &err), SB_OK);
}

static void test_trust_policy_shipped_cn_validates_sm2(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *pol = NULL;
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_tp_inputs in;
    struct sb_diag d;
    struct sb_err err;
    char path[PATH_MAX];
    X509 *leaf = tpf_cert(&f->t, "cn/leaf.pem");

    tpf_path(&f->t, "policies/cn.yaml", path, sizeof(path));
    sb_diag_init(&d);
    assert_int_equal(sb_trust_policy_load(path, &d, &pol, &err), SB_OK);
    assert_int_equal(pol->revocation, SB_REV_REQUIRE);
    assert_int_equal(sb_trust_policy_prepare(pol, NULL, NULL, time(NULL), &in, &err), SB_OK);
    assert_string_equal(in.opts.sm2_id, "1234567812345678");
    assert_int_equal(sb_trust_policy_validate(pol, &in, leaf, &res, &err), SB_OK);
    assert_int_equal(sk_X509_num(res.chain), 3);
    sb_chain_result_clear(&res);
    sb_tp_inputs_clear(&in);
    sb_trust_policy_free(pol);
    X509_free(leaf);
}

static void test_trust_policy_revocation_applied(void **state)
{
    struct fx *f = *state;
    struct sb_err err;

    assert_int_equal(validate_under(f, HK_CHAIN "revocation: { mode: require }\n", "hk/leaf.pem", &err),
                     SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(validate_under(f, HK_CHAIN "revocation: { mode: require, crl: [pki/hk/int.crl, pki/hk/root.crl] }"
                                    "\n", "hk/leaf.pem", &err),
                     SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "revocation: { mode: off, crl: [pki/hk/int.crl] }\n",
                                    "hk/leaf-revoked.pem", &err),
                     SB_OK);
    assert_int_equal(validate_under(f, HK_CHAIN "revocation: { mode: prefer, crl: [pki/hk/int.crl] }\n",
                                    "hk/leaf-revoked.pem", &err),
                     SB_R_REVOKED);
}

static void test_trust_policy_validation_time(void **state)
{
    struct fx *f = *state;
    struct sb_trust_policy *now = load_ok(f, "t1.yaml", BASE "time: { validate_at: now, max_clock_skew_s: 60 }\n");
    struct sb_trust_policy *st = load_ok(f, "t2.yaml", BASE "time: { validate_at: signing_time }\n");
    struct sb_err err;
    time_t at, t0 = 1800000000, past = t0 - 86400, soon = t0 + 30, late = t0 + 301;

    assert_int_equal(sb_trust_policy_validation_time(now, t0, &past, &at, &err), SB_OK);
    assert_int_equal(at, t0);
    assert_int_equal(sb_trust_policy_validation_time(now, t0, &late, &at, &err), SB_R_SIG_CONSTRAINTS);
    assert_int_equal(sb_trust_policy_validation_time(st, t0, &past, &at, &err), SB_OK);
    assert_int_equal(at, past);
    assert_int_equal(sb_trust_policy_validation_time(st, t0, NULL, &at, &err), SB_OK);
    assert_int_equal(at, t0);
    assert_int_equal(sb_trust_policy_validation_time(st, t0, &soon, &at, &err), SB_OK);
    assert_int_equal(at, t0);
    assert_int_equal(sb_trust_policy_validation_time(st, t0, &late, &at, &err), SB_R_SIG_CONSTRAINTS);
    assert_non_null(strstr(err.msg, "max_clock_skew_s of 300 s"));
    sb_trust_policy_free(now);
    sb_trust_policy_free(st);
}

/* ---- the policy set ---------------------------------------------------------------------------- */

static void test_policy_set_shipped(void **state)
{
    struct fx *f = *state;
    struct sb_policy_set *s = NULL, *s2 = NULL;
    struct sb_diag d;
    struct sb_err err;
    char dir[PATH_MAX];
    struct timespec t0, t1;

    tpf_path(&f->t, "policies", dir, sizeof(dir));
    sb_diag_init(&d);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(sb_policy_set_load(dir, &d, &s, &err), SB_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("  loading the shipped policy set took %.1f ms\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    assert_int_equal(d.n, 0);
    assert_int_equal(sb_policy_set_count(s), 3);
    assert_string_equal(sb_policy_set_get0(s, 0)->id, "cn");
    assert_string_equal(sb_policy_set_get0(s, 1)->id, "hk");
    assert_string_equal(sb_policy_set_get0(s, 2)->id, "mo");
    assert_null(sb_policy_set_get0(s, 3));
    assert_non_null(sb_policy_set_find(s, "hk"));
    assert_null(sb_policy_set_find(s, "xx"));
    assert_int_equal(sb_policy_set_recognition(s)->n, 4);
    assert_int_equal(strlen(sb_policy_set_id(s)), 64);
    /* same inputs, same id; a refcounted snapshot outlives its first owner */
    assert_int_equal(sb_policy_set_load(dir, &d, &s2, &err), SB_OK);
    assert_string_equal(sb_policy_set_id(s), sb_policy_set_id(s2));
    sb_policy_set_up_ref(s2);
    sb_policy_set_free(s2);
    assert_string_equal(sb_policy_set_get0(s2, 1)->id, "hk");
    sb_policy_set_free(s2);
    sb_policy_set_free(s);
    sb_policy_set_free(NULL);
}

static void test_policy_set_id_changes_with_inputs(void **state)
{
    struct fx *f = *state;
    struct sb_policy_set *a = NULL, *b = NULL;
    struct sb_diag d;
    struct sb_err err;
    char dir[PATH_MAX];

    tpf_write_str(&f->t, "ida/one.yaml", "jurisdiction: hk\ntrust_anchors:\n  - file: ../pki/hk/root.pem\n");
    tpf_path(&f->t, "ida", dir, sizeof(dir));
    sb_diag_init(&d);
    assert_int_equal(sb_policy_set_load(dir, &d, &a, &err), SB_OK);
    assert_int_equal(sb_policy_set_recognition(a)->n, 0);
    tpf_write_str(&f->t, "ida/one.yaml", "jurisdiction: hk\ntrust_anchors:\n  - file: ../pki/hk/root.pem\n# hi\n");
    assert_int_equal(sb_policy_set_load(dir, &d, &b, &err), SB_OK);
    assert_string_not_equal(sb_policy_set_id(a), sb_policy_set_id(b));
    sb_policy_set_free(b);
    /* a referenced file changes the id too */
    tpf_write_str(&f->t, "ida/one.yaml", "jurisdiction: hk\ntrust_anchors:\n  - file: ../pki/mo/root.pem\n");
    assert_int_equal(sb_policy_set_load(dir, &d, &b, &err), SB_OK);
    assert_string_not_equal(sb_policy_set_id(a), sb_policy_set_id(b));
    sb_policy_set_free(b);
    sb_policy_set_free(a);
    sb_diag_clear(&d);
}

static void test_policy_set_cross_file_errors(void **state)
{
    struct fx *f = *state;
    struct sb_policy_set *s = NULL;
    struct sb_diag d;
    struct sb_err err;
    char dir[PATH_MAX], got[1024];

    /* duplicate jurisdictions name both places */
    tpf_write_str(&f->t, "dup/a.yaml", "jurisdiction: hk\ntrust_anchors: [{file: ../pki/hk/root.pem}]\n");
    tpf_write_str(&f->t, "dup/b.yaml", "# copy\njurisdiction: hk\ntrust_anchors: [{file: ../pki/mo/root.pem}]\n");
    tpf_path(&f->t, "dup", dir, sizeof(dir));
    sb_diag_init(&d);
    assert_int_equal(sb_policy_set_load(dir, &d, &s, &err), SB_R_INPUT_MALFORMED);
    assert_null(s);
    assert_int_equal(d.n, 1);
    tpf_norm(&f->t, d.msgs[0], got, sizeof(got));
    assert_string_equal(got, "@/dup/b.yaml:2:15: jurisdiction: 'hk' is already defined in @/dup/a.yaml:1:15");
    sb_diag_clear(&d);

    /* a broken file does not also make every rule naming it "unknown"; all files' errors are reported */
    tpf_write_str(&f->t, "brk/hk.yaml", "jurisdiction: hk\ntrust_anchors: [{file: ../pki/hk/gone.pem}]\n");
    tpf_write_str(&f->t, "brk/mo.yaml", "jurisdiction: mo\ntrust_anchors: [{file: ../pki/mo/root.pem}]\n");
    tpf_write_str(&f->t, "brk/recognition.yaml", "- from: hk\n  to: mo\n  accept: { min_level: high }\n"
                                                 "- from: mo\n  to: hx\n  accept: { min_level: high }\n");
    tpf_path(&f->t, "brk", dir, sizeof(dir));
    assert_int_equal(sb_policy_set_load(dir, &d, &s, &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(d.n, 2);
    tpf_norm(&f->t, d.msgs[0], got, sizeof(got));
    assert_true(strncmp(got, "@/brk/hk.yaml:2:24: trust_anchors[0].file: cannot read", 54) == 0);
    tpf_norm(&f->t, d.msgs[1], got, sizeof(got));
    assert_string_equal(got, "@/brk/recognition.yaml:5:7: [1].to: unknown jurisdiction 'hx' (did you mean 'hk'?)");
    tpf_norm(&f->t, err.msg, got, sizeof(got));
    assert_true(strncmp(got, "@/brk/hk.yaml:2:24:", 19) == 0);
    sb_diag_clear(&d);

    /* an empty or missing directory */
    tpf_path(&f->t, "nowhere", dir, sizeof(dir));
    assert_int_equal(sb_policy_set_load(dir, &d, &s, &err), SB_R_INPUT_UNREADABLE);
    assert_int_equal(d.n, 1);
    sb_diag_clear(&d);
    tpf_write_str(&f->t, "empty/README", "nothing\n");
    tpf_path(&f->t, "empty", dir, sizeof(dir));
    assert_int_equal(sb_policy_set_load(dir, &d, &s, &err), SB_R_INPUT_MALFORMED);
    assert_non_null(strstr(err.msg, "no jurisdiction policy files"));
    sb_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust_policy_load_broken_files),
        cmocka_unit_test(test_trust_policy_load_collects_all_errors),
        cmocka_unit_test(test_trust_policy_load_caps_errors),
        cmocka_unit_test(test_trust_policy_load_unreadable),
        cmocka_unit_test(test_trust_policy_load_full_and_relative),
        cmocka_unit_test(test_trust_policy_oid_patterns),
        cmocka_unit_test(test_trust_policy_mutations_never_crash),
        cmocka_unit_test(test_trust_policy_shipped_hk_accepts_leaf),
        cmocka_unit_test(test_trust_policy_min_rsa_bits_applied),
        cmocka_unit_test(test_trust_policy_max_chain_length_applied),
        cmocka_unit_test(test_trust_policy_max_chain_length_post_check),
        cmocka_unit_test(test_trust_policy_policy_oids_applied),
        cmocka_unit_test(test_trust_policy_key_usage_applied),
        cmocka_unit_test(test_trust_policy_algorithms_applied),
        cmocka_unit_test(test_trust_policy_sm2_default_id),
        cmocka_unit_test(test_trust_policy_shipped_cn_validates_sm2),
        cmocka_unit_test(test_trust_policy_revocation_applied),
        cmocka_unit_test(test_trust_policy_validation_time),
        cmocka_unit_test(test_policy_set_shipped),
        cmocka_unit_test(test_policy_set_id_changes_with_inputs),
        cmocka_unit_test(test_policy_set_cross_file_errors),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
