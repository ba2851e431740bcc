/*
 * gateway/daemon/config_local.h — private to config.c and config_sections.c: the shared value readers and the
 * setters of the sections that live in config_sections.c.
 */
#ifndef SBGW_CONFIG_LOCAL_H
#define SBGW_CONFIG_LOCAL_H

#include "gateway/daemon/config.h"

/* 1 if s is an id: [A-Za-z0-9._-], 1..SBGW_ID_MAX characters. */
int sbgw_conf_id_ok(const char *s);
/* Read an id at v into *dst (replacing it); 0 reported. */
int sbgw_conf_read_id(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, char **dst);
/* Read a list of client ids at v into a (present = 1, even when empty: nobody allowed). */
void sbgw_conf_read_acl(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, struct sbgw_acl *a);
void sbgw_conf_acl_free(struct sbgw_acl *a);
/* An integer in [min, max] into *dst; 0 reported. */
int sbgw_conf_get_int(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
                      long long max, int *dst);

/* Section setters (obj is the struct sbgw_config). */
void sbgw_conf_set_listeners(struct sbgw_yload *L, void *obj, const struct sbgw_ynode *v, const char *kpath);
void sbgw_conf_set_api(struct sbgw_yload *L, void *obj, const struct sbgw_ynode *v, const char *kpath);
void sbgw_conf_set_routes(struct sbgw_yload *L, void *obj, const struct sbgw_ynode *v, const char *kpath);

#endif
