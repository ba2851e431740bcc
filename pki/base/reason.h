/*
 * pki/base/reason.h — the one table of validation outcomes.
 *
 * Every precise reason code sigbridge can produce is one row of SB_REASON_TABLE: its ETSI EN 319 102-1
 * indication and subindication, the CLI exit code, the HTTP status and a default message. JSON output,
 * ETSI reports, HTTP replies and CLI exit codes only look rows up here. Pure data, thread-safe.
 */
#ifndef SB_REASON_H
#define SB_REASON_H

enum sb_indication {
    SB_IND_NONE = 0,          /* not a validation outcome (usage / I/O / HTTP-level errors) */
    SB_IND_TOTAL_PASSED,
    SB_IND_TOTAL_FAILED,
    SB_IND_INDETERMINATE
};

/*   name                 indication              subindication                  exit http  message */
#define SB_REASON_TABLE(X) \
    X(OK,                  SB_IND_TOTAL_PASSED,   NULL,                           0, 200, "validation passed") \
    X(USAGE,               SB_IND_NONE,           NULL,                           2, 400, "invalid arguments") \
    X(INPUT_UNREADABLE,    SB_IND_NONE,           NULL,                           2, 400, "input cannot be read") \
    X(INPUT_MALFORMED,     SB_IND_NONE,           NULL,                           2, 400, "input is not PEM or DER of the expected type") \
    X(ENVELOPE_BAD_JSON,           SB_IND_NONE, NULL, 2, 400, "envelope is not a well-formed JSON object (syntax, duplicate key)") \
    X(ENVELOPE_MISSING_FIELD,      SB_IND_NONE, NULL, 2, 400, "envelope lacks a required field") \
    X(ENVELOPE_BAD_TYPE,           SB_IND_NONE, NULL, 2, 400, "envelope field has the wrong JSON type") \
    X(ENVELOPE_BAD_VALUE,          SB_IND_NONE, NULL, 2, 400, "envelope field has a value outside its allowed set") \
    X(ENVELOPE_CONFLICTING_FIELDS, SB_IND_NONE, NULL, 2, 400, "envelope combines fields that exclude each other") \
    X(ENVELOPE_BAD_BASE64,         SB_IND_NONE, NULL, 2, 400, "envelope field is not valid base64") \
    X(ENVELOPE_UNKNOWN_HASH_ALG,   SB_IND_NONE, NULL, 2, 400, "envelope hash algorithm is not supported") \
    X(ENVELOPE_BAD_HASH_LENGTH,    SB_IND_NONE, NULL, 2, 400, "envelope hash length does not match its hash algorithm") \
    X(ENVELOPE_NOT_A_SIGNATURE,    SB_IND_NONE, NULL, 2, 400, "envelope holds a certificate where a signature belongs") \
    X(ENVELOPE_BAD_SIGNATURE,      SB_IND_NONE, NULL, 2, 400, "envelope signature value has the wrong size or encoding for the signer's key") \
    X(ENVELOPE_BAD_CERTIFICATE,    SB_IND_NONE, NULL, 2, 400, "envelope certificate is unreadable or its key does not fit the signature") \
    X(ENVELOPE_BAD_PKCS7,          SB_IND_NONE, NULL, 2, 400, "envelope pkcs7 field does not hold a CMS / PKCS#7 SignedData") \
    X(INPUT_TOO_LARGE,     SB_IND_NONE,           NULL,                           2, 413, "input over size limit") \
    X(INTERNAL,            SB_IND_NONE,           NULL,                           2, 500, "internal error") \
    X(SIG_CRYPTO,          SB_IND_TOTAL_FAILED,   "SIG_CRYPTO_FAILURE",           1, 200, "signature value does not verify") \
    X(SM2_ID_MISMATCH,     SB_IND_TOTAL_FAILED,   "SIG_CRYPTO_FAILURE",           1, 200, "SM2 signature does not verify under the distinguishing ID") \
    X(HASH_MISMATCH,       SB_IND_TOTAL_FAILED,   "HASH_FAILURE",                 1, 200, "signed content digest does not match") \
    X(REVOKED,             SB_IND_TOTAL_FAILED,   "REVOKED",                      1, 200, "certificate revoked") \
    X(FORMAT,              SB_IND_TOTAL_FAILED,   "FORMAT_FAILURE",               1, 200, "signature structure is not valid") \
    X(CHAIN_NO_ANCHOR,     SB_IND_INDETERMINATE,  "NO_CERTIFICATE_CHAIN_FOUND",   3, 200, "no path to a trusted anchor") \
    X(CHAIN_TOO_LONG,      SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "path longer than allowed") \
    X(CERT_MALFORMED,      SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "certificate violates the profile") \
    X(BASIC_CONSTRAINTS,   SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "issuer is not a CA") \
    X(PATH_LENGTH,         SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "pathLenConstraint exceeded") \
    X(KEY_USAGE,           SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "key usage does not allow this use") \
    X(EKU,                 SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "extended key usage does not allow this use") \
    X(NAME_CONSTRAINTS,    SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "name constraints violated") \
    X(NAME_MISMATCH,       SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "certificate does not match the expected name") \
    X(UNKNOWN_CRITICAL_EXT,SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "unknown critical extension") \
    X(POLICY,              SB_IND_INDETERMINATE,  "CHAIN_CONSTRAINTS_FAILURE",    3, 200, "no acceptable certificate policy") \
    X(WEAK_ALGORITHM,      SB_IND_INDETERMINATE,  "CRYPTO_CONSTRAINTS_FAILURE",   3, 200, "signature algorithm not allowed") \
    X(WEAK_KEY,            SB_IND_INDETERMINATE,  "CRYPTO_CONSTRAINTS_FAILURE",   3, 200, "public key not allowed") \
    X(SIG_CONSTRAINTS,     SB_IND_INDETERMINATE,  "SIG_CONSTRAINTS_FAILURE",      3, 200, "signature constraints not met") \
    X(CERT_EXPIRED,        SB_IND_INDETERMINATE,  "OUT_OF_BOUNDS_NO_POE",         3, 200, "certificate expired at the validation time") \
    X(CERT_NOT_YET_VALID,  SB_IND_INDETERMINATE,  "OUT_OF_BOUNDS_NO_POE",         3, 200, "certificate not yet valid at the validation time") \
    X(REVOCATION_UNAVAILABLE, SB_IND_INDETERMINATE, "TRY_LATER",                  3, 200, "no usable revocation information") \
    X(SIGNED_DATA_NOT_FOUND, SB_IND_INDETERMINATE, "SIGNED_DATA_NOT_FOUND",       3, 200, "signed content not supplied") \
    X(POLICY_PROCESSING,   SB_IND_INDETERMINATE,  "POLICY_PROCESSING_ERROR",      3, 200, "validation policy cannot be applied") \
    X(UNSIGNED_CONTENT,    SB_IND_INDETERMINATE,  "SIG_CONSTRAINTS_FAILURE",      3, 200, "the document holds content outside every signature reference where the whole document must be signed") \
    X(NO_SIGNING_CERTIFICATE_FOUND, SB_IND_INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND", 3, 200, "signer certificate neither carried in the object nor supplied") \
    X(DIGEST_ALG_MISMATCH, SB_IND_INDETERMINATE,  "SIGNED_DATA_NOT_FOUND",        3, 200, "the supplied digest uses another algorithm than the signer")

enum sb_reason {
#define SB_REASON_ENUM(name, ind, sub, exitc, http, msg) SB_R_##name,
    SB_REASON_TABLE(SB_REASON_ENUM)
#undef SB_REASON_ENUM
    SB_R__COUNT
};

#define SB_OK SB_R_OK

#if defined(__GNUC__)
#define SB_MUST_USE __attribute__((warn_unused_result))
#else
#define SB_MUST_USE
#endif

/* Code name without prefix ("CHAIN_NO_ANCHOR"); "UNKNOWN" for out-of-range values. */
const char *sb_reason_name(enum sb_reason r);
/* ETSI indication of r (SB_IND_NONE for non-validation errors). */
enum sb_indication sb_reason_indication(enum sb_reason r);
/* "TOTAL_PASSED" / "TOTAL_FAILED" / "INDETERMINATE" / NULL for SB_IND_NONE. */
const char *sb_indication_name(enum sb_indication ind);
/* ETSI subindication name ("SIG_CRYPTO_FAILURE") or NULL when passed / not a validation outcome. */
const char *sb_reason_subindication(enum sb_reason r);
/* CLI exit status: 0 passed, 1 total-failed, 3 indeterminate, 2 usage / unreadable input. */
int sb_reason_exit_code(enum sb_reason r);
/* HTTP status used by the gateway for r. */
int sb_reason_http_status(enum sb_reason r);
/* Default human message of r. */
const char *sb_reason_message(enum sb_reason r);
/* Ranks outcomes for "worst of": TOTAL_FAILED > INDETERMINATE > PASSED; errors (exit 2) rank highest. */
int sb_reason_severity(enum sb_reason r);

#endif
