/*
 * gateway/cmd_translate.h — `sigbridge translate` (kept apart from cmd.h so the command can be added
 * without touching the shared header; fold it into cmd.h when convenient).
 */
#ifndef SBGW_CMD_TRANSLATE_H
#define SBGW_CMD_TRANSLATE_H

/* sigbridge translate --policy-dir DIR --from A --to B [options] FILE */
int sbgw_cmd_translate(int argc, char **argv);

#endif
