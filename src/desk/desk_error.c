/*
** desk_error.c - naming the service's error codes (desk_error.h).
*/
#include "desk_error.h"

const char *desk_err_name(int code)
{
    switch (code) {
    case GARANT_EIO: return "eio";
    case GARANT_ECONFLICT: return "econflict";
    case GARANT_EAUTH: return "eauth";
    case GARANT_EPERM: return "eperm";
    case GARANT_ETHROTTLED: return "ethrottled";
    case GARANT_ESTORE: return "estore";
    case GARANT_EPARSE: return "eparse";
    case GARANT_EBUSY: return "ebusy";
    default: return garant_err_name(code);
    }
}
