/*
 * adapters/registry.c — which adapter serves which jurisdiction.
 *
 * A jurisdiction with a policy file but no adapter here is served by the generic adapter (CMS / PKCS#7,
 * GM/T 0010 and XML-DSig objects, no JSON envelope). To add a system, write adapters/<system>.c with one
 * `const struct sb_adapter`, declare it in adapter.h and add one row below (see README.md).
 */
#include "adapter_local.h"

#include <string.h>

static enum sb_reason generic_parse(const unsigned char *in, size_t len, const char *content_type,
                                    struct sb_evidence *ev, struct sb_err *err);

const struct sb_adapter sb_generic_adapter = {
    "generic", NULL, generic_parse, sb_attest_render, NULL,
};

static const struct sb_adapter *const sb_adapters[] = {
    &sb_hk_iamsmart_adapter,
    &sb_cn_gmt_adapter,
    &sb_mo_esigntrust_adapter,
};

static enum sb_reason generic_parse(const unsigned char *in, size_t len, const char *content_type,
                                    struct sb_evidence *ev, struct sb_err *err)
{
    return sb_ev_parse_body(ev, &sb_generic_adapter, in, len, content_type, NULL,
                            "this jurisdiction has no adapter for JSON envelopes; send CMS or an XML-DSig document", err);
}

size_t sb_adapter_count(void)
{
    return sizeof(sb_adapters) / sizeof(sb_adapters[0]);
}

const struct sb_adapter *sb_adapter_get(size_t i)
{
    return i < sb_adapter_count() ? sb_adapters[i] : NULL;
}

const struct sb_adapter *sb_adapter_find(const char *jurisdiction)
{
    size_t i;

    for (i = 0; jurisdiction != NULL && i < sb_adapter_count(); i++) {
        if (strcmp(sb_adapters[i]->jurisdiction, jurisdiction) == 0) {
            return sb_adapters[i];
        }
    }
    return &sb_generic_adapter;
}
