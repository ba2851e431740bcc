/*
 * gateway/daemon/config_local.h — private to config.c and config_sections.c: the custom key readers of the
 * sections that live in config_sections.c and the small readers both files' key tables use.
 */
#ifndef SBGW_CONFIG_LOCAL_H
#define SBGW_CONFIG_LOCAL_H

#include "gateway/daemon/config.h"
#include "pki/base/yaml_schema.h"

/* 1 if s is an id: [A-Za-z0-9._-], 1..SBGW_ID_MAX characters. */
int sbgw_conf_id_ok(const char *s);
/* Key reader for id rows: the id at v into the char * field at k->off of obj (replacing it). */
/* A private key file path (SB_YT_PATH at k->off): refused when it cannot be read or is readable by group or
 * others. */
void sbgw_conf_private_key_path(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                                const char *kp);
void sbgw_conf_id_slot(struct sb_yfile *L, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath);
void sbgw_conf_acl_free(struct sbgw_acl *a);

/* Key readers of the listeners, api and routes sections (obj is the struct sbgw_config). */
void sbgw_conf_read_listeners(struct sb_yfile *L, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                              const char *kpath);
void sbgw_conf_read_api(struct sb_yfile *L, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kpath);
void sbgw_conf_read_routes(struct sb_yfile *L, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                           const char *kpath);

#endif
