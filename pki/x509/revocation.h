/*
 * pki/x509/revocation.h — RFC 5280 §6.3 revocation checking from CRLs and OCSP responses the caller supplies.
 *
 * No network I/O here: CRLs and OCSP responses (RFC 6960, judged by pki/x509/ocsp.h) are supplied, and a
 * caller that can fetch more (the daemon's CRL distribution point fetcher, gateway/daemon/revocation_fetch.c;
 * an OCSP responder fetcher) plugs in through
 * sb_more_crls_fn and sb_ocsp_source_fn. Handles CRL scope
 * (issuingDistributionPoint: distribution point names, onlyContainsUserCerts/CACerts/AttributeCerts,
 * onlySomeReasons, indirectCRL and the certificateIssuer entry extension), reason-partitioned CRLs (coverage of all reasons), delta CRLs
 * (deltaCRLIndicator matched to a complete CRL with a CRL number >= BaseCRLNumber, removeFromCRL),
 * certificateHold, the CRL validity window, CRL signature (SM2 with the caller's ID) and the signer's
 * key usage cRLSign. A CRL that is unusable (bad signature, unknown critical extension, missing or
 * critical CRL number, wrong scope) is ignored, never trusted. Thread-safe; inputs are only read.
 */
#ifndef SB_REVOCATION_H
#define SB_REVOCATION_H

#include <time.h>
#include <openssl/x509v3.h>
#include "pki/base/err.h"
#include "pki/crypto/sig.h"

enum sb_revocation_mode {
    SB_REV_OFF = 0,      /* no check */
    SB_REV_PREFER,       /* usable CRLs are applied; a certificate without one passes */
    SB_REV_REQUIRE       /* every certificate must be covered by usable CRLs for all reasons */
};

/*
 * Finds and validates a certificate, other than the certificate's own issuer `issuer`, that signs crl:
 * subject equal to the CRL issuer name, key that verifies crl, keyUsage (if present) with cRLSign, and a
 * valid path to the same trust anchor as the certificate being checked. On SB_OK, *signer_key is the
 * (borrowed) public key that verified the CRL. Implemented by the path validator.
 */
typedef enum sb_reason (*sb_crl_signer_fn)(void *arg, X509_CRL *crl, EVP_PKEY **signer_key,
                                           struct sb_err *err);

struct sb_sig_memo;
struct sb_work_budget;

/* Where a caller may fetch CRLs from, and how (the policy's revocation.fetch): all borrowed. */
struct sb_rev_fetch {
    const char *const *allow;          /* URL prefixes that may be fetched; nothing else, ever */
    size_t n_allow;
    int timeout_ms;                    /* the longest one certificate's CRL may be waited for */
    long long max_bytes;               /* response size cap */
    int max_age_s;                     /* how long a CRL or OCSP response without nextUpdate counts as current;
                                        * 0 = a CRL without one is never current (OCSP: SB_OCSP_DEFAULT_MAX_AGE_S) */
    int ocsp_nonce;                    /* 1: OCSP requests carry a nonce (revocation.ocsp_nonce) */
};

/* Which revocation evidence decided a certificate's status (DESIGN §7: "revocation" per chain element). */
enum sb_rev_source {
    SB_REV_SRC_NONE = 0,               /* no status: revocation off, or passed without status under prefer */
    SB_REV_SRC_EMBEDDED,               /* a CRL or OCSP response carried in the signed object */
    SB_REV_SRC_OCSP,                   /* an OCSP response from the responder (fetched now or cached) */
    SB_REV_SRC_CRL,                    /* a CRL from a distribution point (fetched now or cached) */
    SB_REV_SRC_FILE                    /* a CRL or OCSP response the administrator or the CLI supplied */
};

#define SB_REV_URL_MAX 256
#define SB_REV_NOTE_MAX 256

/* The evidence behind one certificate's revocation status. All zero = none. */
struct sb_rev_evidence {
    enum sb_rev_source source;
    int is_ocsp;                       /* source != NONE: 1 an OCSP response, 0 a CRL */
    char url[SB_REV_URL_MAX];          /* where it was fetched from; "" when not fetched (truncated if longer) */
    time_t produced_at;                /* OCSP producedAt; 0 for a CRL */
    time_t this_update, next_update;   /* next_update 0 when absent */
    unsigned char sha256[32];          /* SHA-256 of the DER response or CRL (of the BasicOCSPResponse when that
                                        * was carried bare: sb_ocsp_supplied.carried_off) */
    int revoked_after;                 /* listed as revoked, but only after the validation time: passes */
    time_t revocation_time;            /* revoked_after, or the listing that revoked it: when (0 = none) */
    int revocation_reason;             /* with revocation_time: CRLReason, -1 when absent */
    char note[SB_REV_NOTE_MAX];        /* source NONE under prefer: why there is no status ("" = mode off) */
    int no_source;                     /* an OCSP source that failed: the certificate names no responder it may
                                        * ask (none, or none inside the allow-list) — a fact of the certificate
                                        * and the policy, not an outage, so a path that passes without status
                                        * may still be cached */
    int has_delta;                     /* a CRL decided: a current delta CRL of its scope was applied too */
    unsigned char delta_sha256[32];    /* has_delta: SHA-256 of that delta CRL's DER */
};

/* 1 when ev says something: a source, or a note on why there is none (0: not checked, e.g. the anchor). */
int sb_rev_evidence_present(const struct sb_rev_evidence *ev);

/* The RFC 5280 §5.3.1 name of a CRLReason value ("keyCompromise"); NULL for -1 (absent) or an unknown value. */
const char *sb_rev_reason_name(int r);

/* "embedded" / "ocsp" / "crl" / "file"; "none" for SB_REV_SRC_NONE. */
const char *sb_rev_source_name(enum sb_rev_source s);

/*
 * One DER OCSPResponse supplied with the request rather than fetched: carried in the signed object (CMS crls
 * as RFC 5940 other id-ri-ocsp-response: source SB_REV_SRC_EMBEDDED) or given by the caller (`--ocsp-response
 * FILE`: SB_REV_SRC_FILE). Nothing in it is trusted: it is judged by sb_ocsp_check (pki/x509/ocsp.h) for each
 * certificate like a fetched response. der is borrowed from whoever supplied it.
 */
struct sb_ocsp_supplied {
    const unsigned char *der;
    size_t len;
    enum sb_rev_source source;         /* SB_REV_SRC_EMBEDDED or SB_REV_SRC_FILE */
    size_t carried_off;                /* 0: der is the response as carried; else der is the OCSPResponse wrapped
                                        * around a bare BasicOCSPResponse (CAdES ocspVals, XAdES, envelopes;
                                        * sb_ocsp_wrap_basic) that was carried, der[carried_off..len): the
                                        * evidence's SHA-256 is of those carried bytes */
};

/* What an OCSP source is asked for: the status of cert (issued by issuer) at `at`. Pointers borrowed. */
struct sb_ocsp_query {
    X509 *cert;
    X509 *issuer;
    time_t at;
    long skew_s;                       /* clock skew allowed for thisUpdate/producedAt (sb_ocsp_check_opts) */
    const struct sb_rev_fetch *fetch;  /* the policy's settings: allow-list, timeout, size cap, max age, nonce */
    const struct sb_algs *algs;        /* allow-list for response signatures */
    const char *sm2_id;                /* SM2 ID of CA and responder keys; NULL = GM/T default */
    struct sb_work_budget *budget;     /* as in sb_crl_request: a network step takes SB_WORK_UNBOUNDED */
};

/*
 * The caller's OCSP source (the daemon's responder fetcher with its cache; the CLI with --fetch). It finds
 * the certificate's responder (AIA id-ad-ocsp, inside the allow-list), gets a response (cache or network)
 * and judges it with sb_ocsp_check (ocsp.h) under q. Returns SB_OK for good (or revoked only after q->at:
 * ev->revoked_after), REVOKED for revoked at or before q->at, REVOCATION_UNAVAILABLE for unknown, an
 * unusable response or none to be had (why says which and where), INTERNAL. ev (zeroed by the caller) is
 * filled with source SB_REV_SRC_OCSP, url, times and sha256 whenever a response was judged.
 * Called from the validating thread; may block up to q->fetch->timeout_ms.
 */
typedef enum sb_reason (*sb_ocsp_source_fn)(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                            struct sb_err *why);

#define SB_CRL_ORIGIN_MAX 2

/* Where a more_crls hook says a CRL it pushed came from (evidence: the JSON, the ETSI report, the audit). */
struct sb_crl_origin {
    const X509_CRL *crl;               /* borrowed: the CRL pushed (compared by pointer) */
    char url[SB_REV_URL_MAX];          /* the URL it was fetched from (truncated if longer) */
    int has_sha256;                    /* 1: sha256 is its DER's SHA-256 (known to the hook without work) */
    unsigned char sha256[32];
};

struct sb_crl_origins {
    int n;
    struct sb_crl_origin o[SB_CRL_ORIGIN_MAX];
    int no_source;                     /* set by a hook that failed because the certificate names no CRL
                                        * distribution point it may fetch (see sb_rev_evidence.no_source) */
};

/* A hook's note that crl (pushed) came from url, with its DER's SHA-256 when known (sha NULL: not known);
 * origins may be NULL; at most SB_CRL_ORIGIN_MAX are kept. */
void sb_crl_origins_note(struct sb_crl_origins *origins, const X509_CRL *crl, const char *url,
                         const unsigned char *sha);

/* What a more_crls hook is asked for: CRLs for cert (issued by issuer) at `at`, under fetch. */
struct sb_crl_request {
    X509 *cert;
    X509 *issuer;
    time_t at;
    const struct sb_rev_fetch *fetch;  /* borrowed: the policy's settings */
    struct sb_work_budget *budget;     /* borrowed: the run's budget (NULL = unlimited); a step that needs the
                                        * network must take SB_WORK_UNBOUNDED from it (it then fails on an
                                        * event loop and the run goes to a worker) */
    struct sb_crl_origins *origins;    /* borrowed, may be NULL (zeroed by the caller): the hook notes there,
                                        * for up to SB_CRL_ORIGIN_MAX CRLs it pushes, their URL (and SHA-256) */
};

/*
 * The caller's source of more CRLs (CRL distribution points fetched over the network). Called only when
 * the certificate is not revoked by, and has no current complete CRL covering all reasons among, the
 * supplied CRLs. SB_OK: CRLs were pushed onto out, one reference each (the caller frees them); they are
 * judged exactly like supplied ones (scope, signature, freshness), so a hook need not trust them.
 * Any other reason (REVOCATION_UNAVAILABLE): nothing usable could be had; why says what and where (URL,
 * fetch failure, allow-list refusal). Called from the validating thread; may block up to fetch->timeout_ms.
 */
typedef enum sb_reason (*sb_more_crls_fn)(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                          struct sb_err *why);

struct sb_revocation_ctx {
    STACK_OF(X509_CRL) *crls;          /* borrowed: all supplied CRLs (complete and delta) */
    time_t at;                         /* validation time */
    enum sb_revocation_mode mode;
    const char *sm2_id;                /* ID for SM2-signed CRLs; NULL = GM/T default */
    const struct sb_algs *algs;        /* borrowed: allow-list for CRL signatures */
    sb_crl_signer_fn find_signer;      /* for CRLs not signed by the certificate's issuer key; may be NULL */
    void *find_signer_arg;
    struct sb_sig_memo *sig_memo;      /* borrowed: signatures already verified (sig_memo.h); may be NULL */
    struct sb_work_budget *budget;     /* borrowed: pays CRL signature verifications (work_budget.h); NULL */
    sb_more_crls_fn more_crls;         /* NULL: only crls; else asked for more (see sb_more_crls_fn) */
    void *more_crls_arg;
    const struct sb_rev_fetch *fetch;  /* borrowed: passed to more_crls; its max_age_s also applies to every
                                        * CRL without nextUpdate (NULL: such a CRL is never current) */
    sb_ocsp_source_fn ocsp;            /* NULL: no OCSP fetching; else asked when the supplied data decide nothing */
    void *ocsp_arg;
    int ocsp_before_crl;               /* with both hooks: ask ocsp first (revocation.sources order) */
    long skew_s;                       /* clock skew for OCSP times */
    const struct sb_ocsp_supplied *ocsps;   /* borrowed: supplied OCSP responses (n_ocsps), judged with the
                                             * supplied CRLs before any network source; NULL = none */
    size_t n_ocsps;
    /* Evidence only (which CRL decided, sb_revocation_check_ev): never changes an outcome. */
    STACK_OF(X509_CRL) *embedded_crls; /* borrowed: those of crls that came with the signed object ("embedded");
                                        * the other supplied ones are "file"; NULL = none */
    STACK_OF(X509_CRL) *known_crls;    /* borrowed: CRLs whose DER SHA-256 is known in advance (a policy's own,
                                        * hashed once at load), so a decision by one is not re-encoded; NULL */
    const unsigned char (*known_sha256)[32];   /* borrowed: parallel to known_crls */
};

/*
 * Check the revocation status of cert, issued by issuer (whose key signs direct CRLs), at ctx->at.
 * Returns SB_OK (not revoked, or mode allows no information), REVOKED (listed with a revocation date
 * not after ctx->at, whether the CRL is current or stale, including certificateHold), or
 * REVOCATION_UNAVAILABLE (mode require and no usable, current CRLs cover all reasons). err names
 * the certificate serial, the CRL issuer and why. With more_crls, the supplied CRLs are judged first; when
 * they neither revoke the certificate nor cover it, the hook's CRLs are added and everything judged again.
 * A hook that fails gives REVOCATION_UNAVAILABLE with its reason under require, and SB_OK under prefer
 * (the certificate passes without status, as under prefer without any CRL).
 */
enum sb_reason sb_revocation_check(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                   struct sb_err *err) SB_MUST_USE;

/*
 * sb_revocation_check with the supplied OCSP responses and the network sources.
 *
 * First the supplied data, together: the supplied CRLs (as sb_revocation_check judges them) and every
 * supplied OCSP response that sb_ocsp_check finds usable for the certificate (ctx's at, skew_s, algs, sm2_id
 * and fetch->max_age_s). A revocation at or before ctx->at in either gives REVOKED (a certificateHold in a
 * response is released by a newer good response); else a good response (or one saying revoked only after
 * ctx->at: ev->revoked_after) or current CRLs covering all reasons give SB_OK. Unknown and unusable
 * responses decide nothing. At most 64 responses are considered per certificate (the first ones).
 *
 * Then, when the supplied data decide nothing, the network sources in order (ctx->ocsp and ctx->more_crls, as
 * ctx->ocsp_before_crl says): the first source that decides (good and current, or revoked) gives the
 * outcome; when none does, require gives REVOCATION_UNAVAILABLE naming why each source (the supplied OCSP
 * responses included) gave no status and prefer passes without status. ev (may be NULL) is filled with the
 * evidence that decided (an OCSP response: source embedded / file / ocsp), or with source NONE and, when some
 * source was tried in vain, a note saying why there is no status. For CRLs: a revocation names the CRL that lists the certificate (a delta CRL when the newest listing is in one); "not revoked" names the
 * current complete CRL covering the most reasons (ties: the newest), with the delta CRL applied to it, if
 * any, in has_delta / delta_sha256; a listing only after ctx->at sets revoked_after. Source: a CRL from
 * more_crls is "crl" with the URL the hook noted, one of ctx->embedded_crls "embedded", any other "file".
 * Mode off leaves ev all zero.
 */
enum sb_reason sb_revocation_check_ev(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                      struct sb_rev_evidence *ev, struct sb_err *err) SB_MUST_USE;

/*
 * The window in which verdicts made with the supplied responses stay what they are, for a cache of outcomes:
 * from the latest thisUpdate to the earliest nextUpdate (thisUpdate + max_age_s without one, max_age_s 0 =
 * SB_OCSP_DEFAULT_MAX_AGE_S) of every SingleResponse in them, and before any revocationTime later than at
 * they state (a certificate revoked after the validation time passes only until then). Responses that cannot be decoded
 * or are not successful decide nothing and are skipped. *from / *until are only narrowed.
 */
void sb_rev_supplied_window(const struct sb_ocsp_supplied *s, size_t n, time_t at, int max_age_s, time_t *from,
                            time_t *until);

#endif
